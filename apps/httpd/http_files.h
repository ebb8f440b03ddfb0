/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static files for berth-httpd: resolving a request path beneath the
 * document root without ever leaving it, a small cache of read-only file
 * mappings with reference counts, and mbufs whose data is a slice of a
 * mapping (DPDK external buffers), so a file of any size is sent without
 * copying it or reading it again for each request.
 *
 * A response holds a struct http_body: the shared-info block that every
 * mbuf of its slices (and every clone TCP makes of them to send and
 * retransmit) counts on. When the last of them is freed, DPDK calls back
 * and the mapping loses that response's reference; a mapping is unmapped
 * once neither the cache nor any response holds it.
 *
 * Call chain: berth-httpd serve_file -> http_files_lookup (the path table,
 * or openat2 with RESOLVE_BENEATH, fstat, cache or mmap) -> http_body_new ->
 * http_body_attach per slice -> berth_sock_sendto_mbuf; the stack frees
 * the mbufs -> body_free_cb -> map_put.
 *
 * Read first: openat2(2) (RESOLVE_BENEATH), DPDK's rte_mbuf.h on
 * rte_pktmbuf_attach_extbuf and struct rte_mbuf_ext_shared_info.
 */
#ifndef BERTH_HTTP_FILES_H
#define BERTH_HTTP_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_mbuf.h>

struct http_files;
struct http_map;
struct http_body;

/* Largest slice of a file in one mbuf: an external buffer's length is 16 bits. */
#define HTTP_SLICE_MAX 61440u

/* What a lookup found: a regular file, possibly empty (map NULL). */
struct http_file_info {
	struct http_map *map;  /* held for the caller: http_map_put() when done */
	const uint8_t *data;   /* the mapping, NULL for an empty file */
	uint64_t size;
	time_t mtime;
	const char *type;      /* Content-Type */
};

/* Counters of the file layer, for /stats and --stats. */
struct http_files_stats {
	uint64_t lookups;
	uint64_t cache_hits;
	uint64_t path_hits;     /* of the cache hits, answered without a system call */
	uint64_t maps;          /* files mapped */
	uint64_t unmaps;
	uint64_t evictions;     /* cache entries dropped for a new one or a changed file */
	uint64_t escapes;       /* lookups refused for leaving the root */
	uint32_t live_maps;     /* mappings alive now (cached or held) */
	uint32_t live_bodies;   /* responses whose mbufs are not all back */
	uint64_t mapped_bytes;  /* of the live mappings */
};

/*
 * Open the document root and make a cache of at most cache_max mappings.
 * A path that led to a cached mapping is trusted for recheck_ns after the
 * lookup that resolved it: requests for it within that time are answered
 * from memory, without a system call; after it, the file is opened and
 * checked again (0: on every request).
 *
 * @return 0, or a negative errno (the root cannot be opened or is not a
 *   directory: -ENOTDIR, -ENOENT, -EACCES ...; -ENOMEM).
 */
int http_files_open(struct http_files **fs, const char *root, uint32_t cache_max,
		    uint64_t recheck_ns);

/*
 * Drop the cache and close the root. Call after every mbuf that refers to
 * a mapping was freed (the stack destroyed, the port closed): mappings
 * still held are left mapped and counted in the return value.
 */
uint32_t http_files_close(struct http_files *fs);

/*
 * Resolve path (from http_target_path: starts with '/', no "." or ".."
 * segments) beneath the root and map the file. A directory is served by
 * its index.html. Symbolic links are followed only while they stay
 * beneath the root. now_ns (any monotonic clock, the one of every call)
 * dates the check of the path (see http_files_open).
 *
 * @return 0 with *fi filled; -301 for a directory named without its
 *   trailing '/', -403 (outside the root, not a regular file, no
 *   permission), -404 (no such file, or a directory without index.html),
 *   -503 (out of file descriptors or memory), -500 (mmap failed).
 */
int http_files_lookup(struct http_files *fs, const char *path, uint64_t now_ns,
		      struct http_file_info *fi);

/* Give back the reference a lookup returned (map may be NULL). */
void http_map_put(struct http_files *fs, struct http_map *map);

/*
 * Start a response body on a mapping; takes over the caller's reference
 * to map (from the lookup).
 *
 * @return the body, or NULL (out of memory; the reference is dropped).
 */
struct http_body *http_body_new(struct http_files *fs, struct http_map *map);

/*
 * Make m (a fresh mbuf) carry [off, off + len) of the body's file,
 * without copying; len <= HTTP_SLICE_MAX.
 */
void http_body_attach(struct http_body *b, struct rte_mbuf *m, uint64_t off, uint32_t len);

/*
 * The response is done with the body (all sent, or the connection went):
 * drop its own hold. The body goes when the last mbuf is freed too.
 */
void http_body_put(struct http_body *b);

/* Content-Type for a file name, from its extension. */
const char *http_mime_type(const char *path);

/* Current counters. */
const struct http_files_stats *http_files_stats(const struct http_files *fs);

#endif /* BERTH_HTTP_FILES_H */
