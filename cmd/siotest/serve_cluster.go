package main

import (
	"context"
	"fmt"
	"time"

	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reference/server/redisadapter"
)

// redisLink joins `siotest serve` to a cluster over Redis (--redis URL),
// speaking @socket.io/redis-adapter 8.3.0's protocol so Go and Node nodes
// can share it (server-behaviour.md SRV-MN-3).
type redisLink struct{ r *redisadapter.Redis }

// attachRedis connects to url and installs the adapter in cfg; nil when url
// is empty.
func attachRedis(url string, cfg *server.FixtureConfig) (*redisLink, error) {
	if url == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := redisadapter.New(ctx, url, redisadapter.Options{})
	if err != nil {
		return nil, err
	}
	cfg.Adapter = r.Factory()
	return &redisLink{r: r}, nil
}

// ready waits until the namespaces' subscriptions are confirmed, so that
// the listening line means broadcasts from other nodes arrive.
func (l *redisLink) ready() error {
	if l == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.r.Ready(ctx); err != nil {
		return fmt.Errorf("--redis: %v", err)
	}
	return nil
}

func (l *redisLink) close() {
	if l != nil {
		l.r.Close()
	}
}
