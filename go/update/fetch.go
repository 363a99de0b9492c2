package update

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Downloads from the feed: every read limited to what is expected, every file checked against
// the size and SHA-256 the signed index gives before it is used.

const (
	maxIndexSize     = 32 << 20
	maxSignatureSize = 4 << 10
)

type fetcher struct {
	client *http.Client
	base   *url.URL
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.Strict().DecodeString(s) }

// feedPath refuses a path of the index that would leave the feed's folder.
func feedPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.Contains(p, "://") {
		return fmt.Errorf("%w: the path %q is not relative to the feed", ErrFeed, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: the path %q is not relative to the feed", ErrFeed, p)
		}
	}
	return nil
}

func (f *fetcher) url(p string) string {
	return f.base.ResolveReference(&url.URL{Path: p}).String()
}

// get starts a GET of the feed's file p, refusing anything but 200.
func (f *fetcher) get(ctx context.Context, p string) (*http.Response, error) {
	if err := feedPath(p); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url(p), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cache-Control", "no-cache") // a stale index from a cache would hide the update
	req.Header.Set("User-Agent", "winship-update/1")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("update: cannot download %s: %w", f.url(p), err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("update: %s: the server answered %s", f.url(p), resp.Status)
	}
	return resp, nil
}

// bytes downloads p whole, at most limit bytes (the index and its signature: no size is known).
func (f *fetcher) bytes(ctx context.Context, p string, limit int64) ([]byte, error) {
	resp, err := f.get(ctx, p)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("update: cannot download %s: %w", f.url(p), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrDownload, f.url(p), limit)
	}
	return data, nil
}

// verified downloads p into w: exactly size bytes with SHA-256 sum, or an error (w may have
// received bytes: the caller throws them away).
func (f *fetcher) verified(ctx context.Context, p string, size int64, sum string, w io.Writer) error {
	resp, err := f.get(ctx, p)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.ContentLength >= 0 && resp.ContentLength != size {
		return fmt.Errorf("%w: %s is %d bytes and the signed index says %d", ErrDownload, f.url(p), resp.ContentLength, size)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, size+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("update: cannot download %s: %w", f.url(p), err)
	}
	if n != size {
		return fmt.Errorf("%w: %s: got %s bytes and the signed index says %d", ErrDownload, f.url(p), moreOrCount(n, size), size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("%w: %s has SHA-256 %s and the signed index says %s (the file on the server was changed)", ErrDownload, f.url(p), got, sum)
	}
	return nil
}

func moreOrCount(n, size int64) string {
	if n > size {
		return "more than that"
	}
	return fmt.Sprint(n)
}
