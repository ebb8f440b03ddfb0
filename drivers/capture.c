/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture of one device to a pcapng file that Wireshark and tshark
 * open: a Section Header Block, one Interface Description Block (Ethernet,
 * nanosecond timestamps) and one Enhanced Packet Block per frame with its
 * direction in epb_flags.
 *
 * Call chain: dev_rx_burst -> capture_frames(inbound)
 *             dev_tx_enqueue -> capture_frames(outbound)
 *
 * Why not rte_pcapng: in DPDK 22.11 it writes interface blocks only for
 * ethdev ports (wire endpoints are not ports) and stamps packets from its
 * own TSC conversion, which gives wrong absolute times (DESIGN.md); berth's
 * timestamps must be the `now` the stack runs on, virtual clock included.
 * The format is small enough to write directly.
 *
 * Read first: draft-ietf-opsawg-pcapng §4.1 (SHB), §4.2 (IDB, if_tsresol),
 * §4.3 (EPB, epb_flags).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include <berth/port.h>

#include "core.h"
#include "dev.h"

/* Block types and option codes (draft-ietf-opsawg-pcapng). */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_SHB_USERAPPL 4
#define PCAPNG_OPT_IF_NAME 2
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_OPT_EPB_FLAGS 2
#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_EPB_INBOUND 1u
#define PCAPNG_EPB_OUTBOUND 2u

#define CAPTURE_BUF_SIZE (1u << 20)

struct berth_capture {
	FILE *f;
	char *buf;               /* stdio buffer: one write per MiB */
	uint64_t frames;
	int failed;              /* a write failed: stop writing, report at stop */
};

/* An option's header; the value follows, padded to 32 bits. */
struct pcapng_opt {
	uint16_t code;
	uint16_t len;
};

struct pcapng_epb_head {
	uint32_t type, total_len;
	uint32_t if_id;
	uint32_t ts_high, ts_low;
	uint32_t cap_len, orig_len;
};

struct pcapng_epb_tail {
	struct pcapng_opt flags_opt;
	uint32_t flags;
	struct pcapng_opt end;
	uint32_t total_len;
};

static inline uint32_t
pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* Append an option to a block under construction in buf at *off. */
static void
opt_put(uint8_t *buf, size_t *off, uint16_t code, const void *val, uint16_t len)
{
	struct pcapng_opt o = { .code = code, .len = len };

	memcpy(buf + *off, &o, sizeof(o));
	*off += sizeof(o);
	if (len > 0) {
		memcpy(buf + *off, val, len);
		memset(buf + *off + len, 0, pad4(len) - len);
		*off += pad4(len);
	}
}

/* Finish a block in buf: end-of-options, trailing length, leading length. */
static size_t
block_close(uint8_t *buf, size_t off)
{
	uint32_t total;

	opt_put(buf, &off, PCAPNG_OPT_END, NULL, 0);
	total = (uint32_t)(off + sizeof(total));
	memcpy(buf + off, &total, sizeof(total));
	memcpy(buf + 4, &total, sizeof(total));
	return off + sizeof(total);
}

/*
 * Written in host byte order: the byte-order magic tells readers which one
 * (§4.1), so no swapping is needed on either side.
 */
static int
write_headers(FILE *f, const struct berth_dev *dev)
{
	uint8_t buf[256];
	size_t off;
	uint32_t u32;
	uint16_t u16;
	int64_t section_len = -1; /* unknown: we stream */
	uint8_t tsresol = 9;      /* 10^-9 s: the stack's ns clock, unscaled */
	static const char appl[] = "berth";
	uint16_t name_len = (uint16_t)strlen(dev->name);

	/* Section Header Block (§4.1). */
	off = 0;
	u32 = PCAPNG_SHB;
	memcpy(buf + off, &u32, 4), off += 4;
	off += 4; /* total length, filled by block_close */
	u32 = PCAPNG_BYTE_ORDER_MAGIC;
	memcpy(buf + off, &u32, 4), off += 4;
	u16 = 1; /* major */
	memcpy(buf + off, &u16, 2), off += 2;
	u16 = 0; /* minor */
	memcpy(buf + off, &u16, 2), off += 2;
	memcpy(buf + off, &section_len, 8), off += 8;
	opt_put(buf, &off, PCAPNG_OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	off = block_close(buf, off);
	if (fwrite(buf, off, 1, f) != 1)
		return -EIO;

	/* Interface Description Block (§4.2). */
	off = 0;
	u32 = PCAPNG_IDB;
	memcpy(buf + off, &u32, 4), off += 4;
	off += 4;
	u16 = PCAPNG_LINKTYPE_ETHERNET;
	memcpy(buf + off, &u16, 2), off += 2;
	u16 = 0; /* reserved */
	memcpy(buf + off, &u16, 2), off += 2;
	u32 = 0; /* snaplen: no limit, frames are written whole */
	memcpy(buf + off, &u32, 4), off += 4;
	opt_put(buf, &off, PCAPNG_OPT_IF_NAME, dev->name, name_len);
	opt_put(buf, &off, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1);
	off = block_close(buf, off);
	if (fwrite(buf, off, 1, f) != 1)
		return -EIO;
	return 0;
}

/* One Enhanced Packet Block (§4.3), the frame's segments written in turn. */
static int
write_epb(FILE *f, const struct rte_mbuf *m, uint64_t now, int outbound)
{
	static const uint8_t zeros[4];
	uint32_t len = rte_pktmbuf_pkt_len(m), padded = pad4(len);
	struct pcapng_epb_head h = {
		.type = PCAPNG_EPB,
		.if_id = 0,
		.ts_high = (uint32_t)(now >> 32),
		.ts_low = (uint32_t)now,
		.cap_len = len,
		.orig_len = len,
	};
	struct pcapng_epb_tail t = {
		.flags_opt = { .code = PCAPNG_OPT_EPB_FLAGS, .len = 4 },
		.flags = outbound ? PCAPNG_EPB_OUTBOUND : PCAPNG_EPB_INBOUND,
		.end = { .code = PCAPNG_OPT_END, .len = 0 },
	};
	const struct rte_mbuf *seg;

	h.total_len = (uint32_t)(sizeof(h) + padded + sizeof(t));
	t.total_len = h.total_len;
	if (fwrite(&h, sizeof(h), 1, f) != 1)
		return -EIO;
	for (seg = m; seg != NULL; seg = seg->next)
		if (seg->data_len > 0 &&
		    fwrite(rte_pktmbuf_mtod(seg, const void *), seg->data_len, 1, f) != 1)
			return -EIO;
	if (padded > len && fwrite(zeros, padded - len, 1, f) != 1)
		return -EIO;
	if (fwrite(&t, sizeof(t), 1, f) != 1)
		return -EIO;
	return 0;
}

void
capture_frames(struct berth_dev *dev, uint64_t now, struct rte_mbuf **pkts, uint16_t n,
	       int outbound)
{
	struct berth_capture *cap = dev->cap;
	uint16_t i;

	if (cap == NULL || cap->failed)
		return;
	for (i = 0; i < n; i++) {
		errno = 0;
		if (write_epb(cap->f, pkts[i], now, outbound) < 0) {
			cap->failed = errno != 0 ? errno : EIO;
			BERTH_LOG(ERR, "capture on %s: write failed (%s), capture stopped",
				  dev->name, strerror(cap->failed));
			return;
		}
		cap->frames++;
	}
}

int
berth_dev_capture_start(struct berth_dev *dev, const char *path)
{
	struct berth_capture *cap;
	int ret;

	if (dev == NULL || path == NULL)
		return -EINVAL;
	if (dev->cap != NULL)
		return -EBUSY;
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL)
		return -ENOMEM;
	cap->buf = malloc(CAPTURE_BUF_SIZE);
	cap->f = fopen(path, "wb");
	if (cap->buf == NULL || cap->f == NULL) {
		ret = cap->f == NULL ? -errno : -ENOMEM;
		goto fail;
	}
	setvbuf(cap->f, cap->buf, _IOFBF, CAPTURE_BUF_SIZE);
	ret = write_headers(cap->f, dev);
	if (ret == 0 && fflush(cap->f) != 0)
		ret = -errno;
	if (ret < 0)
		goto fail;
	dev->cap = cap;
	BERTH_LOG(INFO, "capture on %s to %s", dev->name, path);
	return 0;

fail:
	if (cap->f != NULL)
		fclose(cap->f);
	free(cap->buf);
	free(cap);
	return ret;
}

void
berth_dev_capture_stop(struct berth_dev *dev)
{
	struct berth_capture *cap;

	if (dev == NULL || dev->cap == NULL)
		return;
	cap = dev->cap;
	dev->cap = NULL;
	if (fclose(cap->f) != 0 && !cap->failed)
		cap->failed = errno;
	if (cap->failed)
		BERTH_LOG(ERR, "capture on %s: file incomplete after %" PRIu64 " frames (%s)",
			  dev->name, cap->frames, strerror(cap->failed));
	else
		BERTH_LOG(INFO, "capture on %s: %" PRIu64 " frames", dev->name, cap->frames);
	free(cap->buf);
	free(cap);
}
