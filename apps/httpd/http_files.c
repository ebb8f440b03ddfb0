/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static files beneath a document root, mapped once and sent by reference
 * (see http_files.h).
 *
 * Call chain: berth-httpd serve_file -> http_files_lookup -> path_find
 * (a path checked less than recheck_ns ago: done) or open_beneath
 * (openat2 RESOLVE_BENEATH, or realpath and a prefix check where the
 * kernel lacks openat2) -> fstat -> cache_find or map_file -> path_keep;
 * http_body_attach -> rte_pktmbuf_attach_extbuf; the last mbuf freed ->
 * body_free_cb -> http_map_put -> munmap.
 *
 * Read first: openat2(2), mmap(2); DPDK rte_mbuf.h (external buffers).
 *
 * The root cannot be left: the kernel resolves every path beneath the
 * root's descriptor and refuses ("..", absolute symlinks, symlinks that
 * climb out) with EXDEV. A file that changes (size, mtime, inode) is
 * mapped again; responses already under way keep the old mapping.
 *
 * Resolving a path costs three system calls (openat2, fstat, close), more
 * than the TCP/IP work of a small response. So a path that led to a
 * cached mapping is remembered with the time of that check, and trusted
 * for recheck_ns (nginx's open_file_cache_valid): a file changed or
 * replaced on disk is noticed at the first lookup after that. A path is
 * never trusted beyond its mapping: the entry finds the mapping again by
 * (device, inode) in the cache, so a mapping evicted or replaced since
 * sends the path through the full lookup. Failed lookups are not
 * remembered.
 *
 * IOVA: each slice's mbuf carries the mapping's virtual address as its
 * IOVA when EAL runs in IOVA-as-VA mode, and RTE_BAD_IOVA otherwise. The
 * drivers used without a NIC copy frames and never read it; a NIC that
 * DMAs would need the mapping registered (rte_extmem_register and
 * rte_dev_dma_map), which is not done here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "http_files.h"

/* One mapped file. refs: the cache's (while cached) plus one per response. */
struct http_map {
	dev_t dev;
	ino_t ino;
	uint64_t size;
	struct timespec mtime;
	uint8_t *addr;
	uint32_t refs;
	bool cached;
	struct http_map *hnext;          /* hash chain */
	TAILQ_ENTRY(http_map) lru;       /* most recently used first */
};

TAILQ_HEAD(map_list, http_map);

/* A path that led to a cached mapping, and when that was checked. */
struct http_path {
	char *path;                      /* malloc'd; NULL: the slot is free */
	size_t len;
	uint32_t hash;
	dev_t dev;                       /* the file it named then */
	ino_t ino;
	const char *type;                /* Content-Type of the file it named */
	uint64_t checked_ns;
};

struct http_files {
	int root_fd;
	char root_real[PATH_MAX];        /* for the fallback without openat2 */
	bool no_openat2;
	bool iova_va;
	uint32_t cache_max, nb_cached;
	uint32_t nb_buckets;             /* power of two */
	struct http_map **buckets;
	uint64_t recheck_ns;
	struct http_path *paths;         /* nb_buckets slots, one path each */
	struct map_list lru;
	struct http_files_stats stats;
};

/* A response's hold on a mapping; its shared info is what the mbufs count on. */
struct http_body {
	struct rte_mbuf_ext_shared_info shinfo;
	struct http_files *fs;
	struct http_map *map;
};

static uint32_t
bucket_of(const struct http_files *fs, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (uint32_t)(h >> 32) & (fs->nb_buckets - 1);
}

int
http_files_open(struct http_files **out, const char *root, uint32_t cache_max,
		uint64_t recheck_ns)
{
	struct http_files *fs;
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH };
	struct stat sb;
	uint32_t nb = 16;
	long fd;

	*out = NULL;
	fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return -ENOMEM;
	fs->cache_max = cache_max == 0 ? 1 : cache_max;
	while (nb < fs->cache_max * 2)
		nb <<= 1;
	fs->nb_buckets = nb;
	fs->buckets = calloc(nb, sizeof(*fs->buckets));
	fs->paths = calloc(nb, sizeof(*fs->paths));
	fs->recheck_ns = recheck_ns;
	TAILQ_INIT(&fs->lru);
	fs->root_fd = -1;
	if (fs->buckets != NULL && fs->paths != NULL)
		fs->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->buckets == NULL || fs->paths == NULL || fs->root_fd < 0 ||
	    fstat(fs->root_fd, &sb) < 0 || realpath(root, fs->root_real) == NULL) {
		int ret = fs->buckets == NULL || fs->paths == NULL ? -ENOMEM : -errno;

		if (fs->root_fd >= 0)
			close(fs->root_fd);
		free(fs->buckets);
		free(fs->paths);
		free(fs);
		return ret;
	}
	/* Does the kernel have openat2 (Linux 5.6)? */
	fd = syscall(SYS_openat2, fs->root_fd, ".", &how, sizeof(how));
	if (fd >= 0)
		close((int)fd);
	else if (errno == ENOSYS)
		fs->no_openat2 = true;
	fs->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	*out = fs;
	return 0;
}

static void
map_free(struct http_files *fs, struct http_map *m)
{
	if (m->addr != NULL)
		munmap(m->addr, m->size);
	fs->stats.unmaps++;
	fs->stats.live_maps--;
	fs->stats.mapped_bytes -= m->size;
	free(m);
}

void
http_map_put(struct http_files *fs, struct http_map *m)
{
	if (m != NULL && --m->refs == 0)
		map_free(fs, m);
}

static void
cache_remove(struct http_files *fs, struct http_map *m)
{
	struct http_map **pp = &fs->buckets[bucket_of(fs, m->dev, m->ino)];

	while (*pp != m)
		pp = &(*pp)->hnext;
	*pp = m->hnext;
	TAILQ_REMOVE(&fs->lru, m, lru);
	m->cached = false;
	fs->nb_cached--;
	http_map_put(fs, m);
}

uint32_t
http_files_close(struct http_files *fs)
{
	uint32_t left, i;

	if (fs == NULL)
		return 0;
	while (!TAILQ_EMPTY(&fs->lru))
		cache_remove(fs, TAILQ_FIRST(&fs->lru));
	/* Mappings still held belong to mbufs that never came back: leave them. */
	left = fs->stats.live_maps;
	close(fs->root_fd);
	for (i = 0; i < fs->nb_buckets; i++)
		free(fs->paths[i].path);
	free(fs->paths);
	free(fs->buckets);
	free(fs);
	return left;
}

/*
 * Open rel (no leading '/') beneath the root. Returns the descriptor or
 * -errno; -EXDEV means the path tried to leave the root.
 */
static int
open_beneath(struct http_files *fs, const char *rel)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	const int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	char joined[PATH_MAX], real[PATH_MAX];
	size_t rlen;
	long fd;

	if (!fs->no_openat2) {
		struct open_how how = {
			.flags = (uint64_t)flags,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
		};

		fd = syscall(SYS_openat2, fs->root_fd, rel, &how, sizeof(how));
		return fd >= 0 ? (int)fd : -errno;
	}
	/* Without openat2: resolve every link, then the result must be beneath. */
	if (snprintf(joined, sizeof(joined), "%s/%s", fs->root_real, rel) >= (int)sizeof(joined))
		return -ENAMETOOLONG;
	if (realpath(joined, real) == NULL)
		return -errno;
	rlen = strlen(fs->root_real);
	if (strncmp(real, fs->root_real, rlen) != 0 || (real[rlen] != '/' && real[rlen] != '\0'))
		return -EXDEV;
	fd = open(real, flags | O_NOFOLLOW);
	return fd >= 0 ? (int)fd : -errno;
}

static int
errno_status(struct http_files *fs, int err)
{
	switch (err) {
	case EXDEV:
		fs->stats.escapes++;
		return -403;
	case EACCES:
	case EPERM:
	case ELOOP:
		return -403;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return -503;
	default:
		return -404;
	}
}

static struct http_map *
cache_find(struct http_files *fs, const struct stat *sb)
{
	struct http_map *m;

	for (m = fs->buckets[bucket_of(fs, sb->st_dev, sb->st_ino)]; m != NULL; m = m->hnext) {
		if (m->dev != sb->st_dev || m->ino != sb->st_ino)
			continue;
		if (m->size == (uint64_t)sb->st_size && m->mtime.tv_sec == sb->st_mtim.tv_sec &&
		    m->mtime.tv_nsec == sb->st_mtim.tv_nsec)
			return m;
		/* Changed since it was mapped: the next lookup maps it afresh. */
		fs->stats.evictions++;
		cache_remove(fs, m);
		return NULL;
	}
	return NULL;
}

/* The cached mapping of (dev, ino), whatever its size and mtime; NULL: none. */
static struct http_map *
cache_get(const struct http_files *fs, dev_t dev, ino_t ino)
{
	struct http_map *m;

	for (m = fs->buckets[bucket_of(fs, dev, ino)]; m != NULL; m = m->hnext)
		if (m->dev == dev && m->ino == ino)
			return m;
	return NULL;
}

/* FNV-1a: paths are short, and the table is ours, not an attacker's to fill. */
static uint32_t
path_hash(const char *path, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	return h;
}

/* The slot of path; it holds path only if path_is() says so. */
static struct http_path *
path_slot(const struct http_files *fs, uint32_t hash)
{
	return &fs->paths[hash & (fs->nb_buckets - 1)];
}

static bool
path_is(const struct http_path *pe, const char *path, size_t len, uint32_t hash)
{
	return pe->path != NULL && pe->hash == hash && pe->len == len &&
	       memcmp(pe->path, path, len) == 0;
}

/*
 * The mapping path led to at a check less than recheck_ns ago, if it is
 * still cached; NULL: resolve the path.
 */
static struct http_map *
path_find(const struct http_files *fs, const struct http_path *pe, const char *path,
	  size_t len, uint32_t hash, uint64_t now_ns)
{
	if (!path_is(pe, path, len, hash) || now_ns - pe->checked_ns >= fs->recheck_ns)
		return NULL;
	return cache_get(fs, pe->dev, pe->ino);
}

/* Remember that path led to m (type: its Content-Type) at now_ns. */
static void
path_keep(struct http_path *pe, const char *path, size_t len, uint32_t hash,
	  const struct http_map *m, const char *type, uint64_t now_ns)
{
	if (!path_is(pe, path, len, hash)) {
		char *copy = malloc(len + 1);

		/* Without memory the path is simply not remembered. */
		if (copy == NULL)
			return;
		memcpy(copy, path, len + 1);
		free(pe->path);
		pe->path = copy;
		pe->len = len;
		pe->hash = hash;
	}
	pe->dev = m->dev;
	pe->ino = m->ino;
	pe->type = type;
	pe->checked_ns = now_ns;
}

static struct http_map *
map_file(struct http_files *fs, int fd, const struct stat *sb, int *status)
{
	struct http_map *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		*status = -503;
		return NULL;
	}
	m->dev = sb->st_dev;
	m->ino = sb->st_ino;
	m->size = (uint64_t)sb->st_size;
	m->mtime = sb->st_mtim;
	if (m->size > 0) {
		void *a = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);

		if (a == MAP_FAILED) {
			free(m);
			*status = errno == ENOMEM ? -503 : -500;
			return NULL;
		}
		madvise(a, m->size, MADV_SEQUENTIAL);
		m->addr = a;
	}
	fs->stats.maps++;
	fs->stats.live_maps++;
	fs->stats.mapped_bytes += m->size;
	m->refs = 1; /* the cache's */
	if (fs->nb_cached == fs->cache_max) {
		fs->stats.evictions++;
		cache_remove(fs, TAILQ_LAST(&fs->lru, map_list));
	}
	m->hnext = fs->buckets[bucket_of(fs, m->dev, m->ino)];
	fs->buckets[bucket_of(fs, m->dev, m->ino)] = m;
	TAILQ_INSERT_HEAD(&fs->lru, m, lru);
	m->cached = true;
	fs->nb_cached++;
	return m;
}

int
http_files_lookup(struct http_files *fs, const char *path, uint64_t now_ns,
		  struct http_file_info *fi)
{
	char idx[PATH_MAX];
	const char *rel = path[1] != '\0' ? path + 1 : ".", *asked = path;
	size_t asked_len = strlen(path);
	uint32_t hash = path_hash(path, asked_len);
	struct http_path *pe = path_slot(fs, hash);
	struct http_map *m;
	struct stat sb;
	int fd, status = 0;

	fs->stats.lookups++;
	memset(fi, 0, sizeof(*fi));
	m = path_find(fs, pe, path, asked_len, hash, now_ns);
	if (m != NULL) {
		fs->stats.cache_hits++;
		fs->stats.path_hits++;
		TAILQ_REMOVE(&fs->lru, m, lru);
		TAILQ_INSERT_HEAD(&fs->lru, m, lru);
		m->refs++; /* the caller's */
		fi->map = m;
		fi->data = m->addr;
		fi->size = m->size;
		fi->mtime = m->mtime.tv_sec;
		fi->type = pe->type;
		return 0;
	}
	fd = open_beneath(fs, rel);
	if (fd < 0)
		return errno_status(fs, -fd);
	if (fstat(fd, &sb) < 0) {
		status = errno_status(fs, errno);
		close(fd);
		return status;
	}
	if (S_ISDIR(sb.st_mode)) {
		size_t len = strlen(path);

		close(fd);
		/* Relative links in the index need the '/': send the client there. */
		if (path[len - 1] != '/')
			return -301;
		if (snprintf(idx, sizeof(idx), "%sindex.html", rel[0] == '.' && rel[1] == '\0' ?
			     "" : rel) >= (int)sizeof(idx))
			return -404;
		fd = open_beneath(fs, idx);
		if (fd < 0)
			return errno_status(fs, -fd);
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return -404;
		}
		path = idx;
	} else if (!S_ISREG(sb.st_mode)) {
		/* Devices, FIFOs, sockets: never served. */
		close(fd);
		return -403;
	}
	m = cache_find(fs, &sb);
	if (m != NULL) {
		fs->stats.cache_hits++;
		TAILQ_REMOVE(&fs->lru, m, lru);
		TAILQ_INSERT_HEAD(&fs->lru, m, lru);
	} else {
		m = map_file(fs, fd, &sb, &status);
	}
	close(fd);
	if (m == NULL)
		return status;
	m->refs++; /* the caller's */
	fi->map = m;
	fi->data = m->addr;
	fi->size = m->size;
	fi->mtime = sb.st_mtim.tv_sec;
	fi->type = http_mime_type(path);
	if (fs->recheck_ns != 0)
		path_keep(pe, asked, asked_len, hash, m, fi->type, now_ns);
	return 0;
}

/* DPDK calls this when the last mbuf referring to the body is freed. */
static void
body_free_cb(void *addr, void *opaque)
{
	struct http_body *b = opaque;

	(void)addr;
	b->fs->stats.live_bodies--;
	http_map_put(b->fs, b->map);
	free(b);
}

struct http_body *
http_body_new(struct http_files *fs, struct http_map *map)
{
	struct http_body *b = malloc(sizeof(*b));

	if (b == NULL) {
		http_map_put(fs, map);
		return NULL;
	}
	b->fs = fs;
	b->map = map;
	b->shinfo.free_cb = body_free_cb;
	b->shinfo.fcb_opaque = b;
	/* The response's own hold; each attached mbuf and each clone adds one. */
	rte_mbuf_ext_refcnt_set(&b->shinfo, 1);
	fs->stats.live_bodies++;
	return b;
}

void
http_body_attach(struct http_body *b, struct rte_mbuf *m, uint64_t off, uint32_t len)
{
	uint8_t *p = b->map->addr + off;
	rte_iova_t iova = b->fs->iova_va ? (rte_iova_t)(uintptr_t)p : RTE_BAD_IOVA;

	/*
	 * At most a few hundred references at once (a send buffer's worth of
	 * slices and their clones), far from the 16-bit counter's limit.
	 */
	rte_mbuf_ext_refcnt_update(&b->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, p, iova, (uint16_t)len, &b->shinfo);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

void
http_body_put(struct http_body *b)
{
	if (b != NULL && rte_mbuf_ext_refcnt_update(&b->shinfo, -1) == 0)
		body_free_cb(NULL, b);
}

const struct http_files_stats *
http_files_stats(const struct http_files *fs)
{
	return &fs->stats;
}

const char *
http_mime_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "md", "text/markdown; charset=utf-8" },
		{ "csv", "text/csv; charset=utf-8" },
		{ "xml", "application/xml" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "avif", "image/avif" },
		{ "ico", "image/vnd.microsoft.icon" },
		{ "pdf", "application/pdf" },
		{ "wasm", "application/wasm" },
		{ "woff", "font/woff" },
		{ "woff2", "font/woff2" },
		{ "mp4", "video/mp4" },
		{ "webm", "video/webm" },
		{ "mp3", "audio/mpeg" },
		{ "ogg", "audio/ogg" },
		{ "zip", "application/zip" },
		{ "gz", "application/gzip" },
		{ "tar", "application/x-tar" },
		{ "pcapng", "application/vnd.tcpdump.pcap" },
	};
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	size_t i;

	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}
