package faultproxy

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfigRejected(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{SlowDown: -0.1}, "Config.SlowDown"},
		{Config{ServerError: 1.5}, "Config.ServerError"},
		{Config{LostReply: math.NaN()}, "Config.LostReply"},
		{Config{Reset: 0.6, Slow: 0.6, SlowDelay: time.Millisecond}, "add up to 1.2"},
		{Config{Slow: 0.1}, "Config.SlowDelay"},
	} {
		p, err := Start("http://127.0.0.1:1", c.cfg)
		if err == nil {
			p.Close()
			t.Errorf("Start(%+v) accepted the config", c.cfg)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start(%+v) = %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
}

func TestTargetRejected(t *testing.T) {
	for _, target := range []string{"127.0.0.1:7070", "ftp://127.0.0.1:7070", "http://127.0.0.1:7070/prefix", "http://"} {
		if p, err := Start(target, Config{}); err == nil {
			p.Close()
			t.Errorf("Start(%q) accepted the target", target)
		} else if !strings.Contains(err.Error(), "target") {
			t.Errorf("Start(%q) = %v, want an error naming the target", target, err)
		}
	}
}

func TestSetConfigPanicsOnInvalid(t *testing.T) {
	p, err := Start("http://127.0.0.1:1", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "Config.Reset") {
			t.Errorf("SetConfig with Reset 2 recovered %v, want a panic naming Config.Reset", r)
		}
	}()
	p.SetConfig(Config{Reset: 2})
}
