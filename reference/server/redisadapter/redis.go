// Package redisadapter joins reference servers into a cluster over Redis
// Pub/Sub, speaking the protocol of Node's @socket.io/redis-adapter 8.3.0,
// so that Go and Node socket.io 4.8.4 nodes can share one cluster
// (server-behaviour.md SRV-MN-3; siotest's mixed-cluster checks).
//
// The wire facts, observed from the Node adapter and its source
// (fixtures/node/node_modules/@socket.io/redis-adapter/dist/index.js):
//
//   - every namespace nsp has the broadcast channel prefix
//     "<key>#<nsp>#" (key "socket.io" by default): a broadcast to exactly
//     one room is published on "<key>#<nsp>#<room>#", any other on
//     "<key>#<nsp>#"; nodes PSUBSCRIBE "<key>#<nsp>#*" and drop a message
//     for a single room they have no member of;
//   - a broadcast message is MessagePack (notepack.io 3.0.1) of
//     [uid, packet, opts]: uid names the sending node (6 characters),
//     packet is {type: 2, data: [event, ...args], nsp} with binary
//     arguments as bin values, opts is {rooms: [...], except: [...],
//     flags: {...}}; a node ignores its own uid;
//   - requests go to "<key>-request#<nsp>#" and responses to
//     "<key>-response#<nsp>#" (or "<key>-response#<nsp>#<uid>#" with
//     publishOnSpecificResponseChannel), as JSON, except the broadcast with
//     acknowledgement request (type 7) and its per-client answers (type 9),
//     which are MessagePack; the number of nodes is PUBSUB NUMSUB of the
//     request channel.
//
// One Redis value serves a whole server: one publishing connection and one
// subscribing connection, shared by every namespace.
package redisadapter

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siotest/siotest/reference/server"
)

// Options configures a Redis cluster link. Zero fields take the Node
// adapter's defaults.
type Options struct {
	// Key is the channel prefix. Default "socket.io".
	Key string
	// RequestsTimeout bounds cluster-wide queries (FetchSockets, AllRooms).
	// Default 5s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel answers requests on the requesting
	// node's own response channel.
	PublishOnSpecificResponseChannel bool
	// OnError receives errors that have no caller to return to (a publish
	// that failed, a malformed message); nil drops them.
	OnError func(error)
}

// Redis links the namespaces of one server to a Redis server.
type Redis struct {
	opts Options
	pub  *redis.Client
	ps   *redis.PubSub
	done chan struct{}

	mu       sync.Mutex
	cond     *sync.Cond
	patterns map[string]*Adapter // broadcast pattern → namespace adapter
	channels map[string]*Adapter // request and response channels → adapter
	pending  map[string]bool     // "psubscribe pattern" / "subscribe channel" not yet confirmed
	closed   bool
}

// New connects to the Redis server at redisURL (redis://host:port[/db])
// and checks it answers. ctx bounds the connection.
func New(ctx context.Context, redisURL string, opts Options) (*Redis, error) {
	ro, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redisadapter: %v", err)
	}
	if opts.Key == "" {
		opts.Key = "socket.io"
	}
	if opts.RequestsTimeout <= 0 {
		opts.RequestsTimeout = 5 * time.Second
	}
	pub := redis.NewClient(ro)
	if err := pub.Ping(ctx).Err(); err != nil {
		pub.Close()
		return nil, fmt.Errorf("redisadapter: %s: %v", redisURL, err)
	}
	r := &Redis{
		opts:     opts,
		pub:      pub,
		ps:       pub.Subscribe(ctx),
		done:     make(chan struct{}),
		patterns: map[string]*Adapter{},
		channels: map[string]*Adapter{},
		pending:  map[string]bool{},
	}
	r.cond = sync.NewCond(&r.mu)
	go r.read(r.ps.ChannelWithSubscriptions(redis.WithChannelSize(1024)))
	return r, nil
}

// Factory returns the server.AdapterFactory for server.Config.Adapter: each
// namespace gets an Adapter on this link.
func (r *Redis) Factory() server.AdapterFactory {
	return func(n *server.Namespace) server.Adapter {
		a, err := r.attach(n)
		if err != nil {
			r.report(err)
			return nil // the namespace stays local
		}
		return a
	}
}

// Ready waits until every subscription made so far is confirmed by Redis:
// from then on this node receives what the others publish.
func (r *Redis) Ready(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.pending) > 0 && !r.closed {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("redisadapter: subscriptions not confirmed: %w", err)
		}
		r.cond.Wait()
	}
	if r.closed {
		return errClosed
	}
	return nil
}

var errClosed = errors.New("redisadapter: closed")

// Close ends both connections. The server's namespaces fall back to being
// alone.
func (r *Redis) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return errClosed
	}
	r.closed = true
	r.cond.Broadcast()
	r.mu.Unlock()
	err := r.ps.Close()
	<-r.done
	return errors.Join(err, r.pub.Close())
}

func (r *Redis) report(err error) {
	if r.opts.OnError != nil && err != nil {
		r.opts.OnError(err)
	}
}

// subscribe issues SUBSCRIBE / PSUBSCRIBE for a; confirmations arrive in
// read. ctx bounds the write.
func (r *Redis) subscribe(ctx context.Context, a *Adapter, pattern string, channels ...string) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return errClosed
	}
	r.patterns[pattern] = a
	r.pending["psubscribe "+pattern] = true
	for _, c := range channels {
		r.channels[c] = a
		r.pending["subscribe "+c] = true
	}
	r.mu.Unlock()
	if err := r.ps.PSubscribe(ctx, pattern); err != nil {
		return err
	}
	return r.ps.Subscribe(ctx, channels...)
}

func (r *Redis) unsubscribe(ctx context.Context, pattern string, channels ...string) error {
	r.mu.Lock()
	delete(r.patterns, pattern)
	for _, c := range channels {
		delete(r.channels, c)
	}
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil
	}
	return errors.Join(r.ps.PUnsubscribe(ctx, pattern), r.ps.Unsubscribe(ctx, channels...))
}

// read dispatches what the subscribing connection receives, in order: a
// node's broadcasts reach the local sockets in the order it published them
// (SRV-ROOM-9).
func (r *Redis) read(ch <-chan any) {
	defer close(r.done)
	for m := range ch {
		switch m := m.(type) {
		case *redis.Subscription:
			r.mu.Lock()
			delete(r.pending, m.Kind+" "+m.Channel)
			r.cond.Broadcast()
			r.mu.Unlock()
		case *redis.Message:
			r.mu.Lock()
			var a *Adapter
			if m.Pattern != "" {
				a = r.patterns[m.Pattern]
			} else {
				a = r.channels[m.Channel]
			}
			r.mu.Unlock()
			if a == nil {
				continue
			}
			var err error
			if m.Pattern != "" {
				err = a.onBroadcast(m.Channel, []byte(m.Payload))
			} else {
				err = a.onRequest(m.Channel, []byte(m.Payload))
			}
			if err != nil {
				r.report(fmt.Errorf("redisadapter: %s: %w", m.Channel, err))
			}
		}
	}
}

// publish sends payload on channel, bounded by the requests timeout.
func (r *Redis) publish(channel string, payload []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.RequestsTimeout)
	defer cancel()
	if err := r.pub.Publish(ctx, channel, payload).Err(); err != nil {
		r.report(fmt.Errorf("redisadapter: publish on %s: %w", channel, err))
	}
}

// uidChars is the alphabet of Node's uid2: each random byte picks one
// character (byte % 64).
const uidChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// newUID returns n characters of uid2's alphabet, as Node's adapter names
// nodes and requests (uid2(6)).
func newUID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(uidChars[c%64])
	}
	return s.String()
}
