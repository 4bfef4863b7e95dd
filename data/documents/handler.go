// Package kvstore exposes a tiny in-memory key-value store over HTTP.
//
// Written for kvlab as a seed document. GET /kv/{key} reads a value,
// PUT /kv/{key} stores the request body, DELETE /kv/{key} removes it.
// Values are limited in size and every response is JSON.
package kvstore

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

const maxValueBytes = 64 << 10

type entry struct {
	Value     string    `json:"value"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Store is a concurrency-safe map of keys to entries.
type Store struct {
	mu      sync.RWMutex
	entries map[string]entry
	now     func() time.Time
}

// NewStore returns an empty store; now may be nil to use the wall clock.
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{entries: make(map[string]entry), now: now}
}

type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: msg, Code: code})
}

// ServeHTTP routes /kv/{key} requests by method.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, "/kv/")
	if !ok || key == "" || strings.Contains(key, "/") {
		writeError(w, http.StatusNotFound, "not_found", "expected /kv/{key}")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.get(w, key)
	case http.MethodPut:
		s.put(w, r, key)
	case http.MethodDelete:
		s.delete(w, key)
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not supported")
	}
}

func (s *Store) get(w http.ResponseWriter, key string) {
	s.mu.RLock()
	e, ok := s.entries[key]
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no_such_key", "no value for "+key)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Store) put(w http.ResponseWriter, r *http.Request, key string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxValueBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "value exceeds 64 KiB")
			return
		}
		writeError(w, http.StatusBadRequest, "bad_body", err.Error())
		return
	}
	e := entry{Value: string(body), UpdatedAt: s.now().UTC()}
	s.mu.Lock()
	_, existed := s.entries[key]
	s.entries[key] = e
	s.mu.Unlock()
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	writeJSON(w, status, e)
}

func (s *Store) delete(w http.ResponseWriter, key string) {
	s.mu.Lock()
	_, existed := s.entries[key]
	delete(s.entries, key)
	s.mu.Unlock()
	if !existed {
		writeError(w, http.StatusNotFound, "no_such_key", "no value for "+key)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
