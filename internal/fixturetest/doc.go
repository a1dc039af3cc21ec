// Package fixturetest checks that the legacy and alternative fixture
// servers of fixtures/ (socket.io 2.5.1, socket.io 4.8.4 with the msgpack
// parser or allowEIO3, googollee/go-socket.io) start through
// fixtures/start.sh and answer an Engine.IO handshake in the form
// fixtures/README.md records for them. It has no non-test code.
package fixturetest
