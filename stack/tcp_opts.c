/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options: parsing the options area of a received header, and writing
 * the options berth sends (MSS, Window Scale, Timestamps, SACK-permitted,
 * SACK).
 *
 * Call chain: ipv4_input -> tcp_input -> tcp_opts_parse (once per segment)
 *             tcp_send_syn -> tcp_opts_write_mss/_ws/_ts
 *             tcp_output -> tcp_opts_write_ts (every segment once negotiated),
 *             tcp_sack_opt_write -> tcp_opts_write_sack
 *
 * Read first: RFC 9293 §3.1 (option format: EOL, NOP, kind-length-data;
 * MUST-5 unknown options ignored, MUST-7 illegal lengths handled), §3.7.1
 * (MSS, only on SYNs), RFC 1122 §4.2.2.5, RFC 7323 §2.2 (Window Scale),
 * §3.2 (Timestamps), RFC 2018 §2-3 (SACK-permitted, SACK).
 *
 * The parser is written for hostile input: every byte it reads is below
 * len, and every step advances by at least one byte, so it ends after at
 * most len iterations. A length that could not have been meant (0, 1, or
 * past the end of the area) makes the whole segment malformed: RFC 9293
 * §3.1 suggests resetting on it; berth drops the segment (counted) instead,
 * which costs the sender a retransmission at worst and lets no blind
 * attacker kill a connection with one forged segment. Linux stops parsing
 * and keeps the segment; dropping is the stricter choice the issue asks for.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tcp.h"

/* RFC 9293 §3.1 option kinds. */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4
/* RFC 7323 §2.2, §3.2 and RFC 2018 §2 option kinds. */
#define TCPOPT_WS 3
#define TCPOLEN_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOLEN_SACK_PERM 2
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCPOLEN_TS 10

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
tcp_opts_parse(const uint8_t *p, unsigned int len, bool syn, struct tcp_opts *o)
{
	unsigned int i = 0;

	o->mss = 0;
	o->ws_ok = false;
	o->ws = 0;
	o->ts_ok = false;
	o->sack_ok = false;
	o->tsval = 0;
	o->tsecr = 0;
	o->nb_sack = 0;
	while (i < len) {
		uint8_t kind = p[i], olen;

		/* RFC 9293 §3.1: End of Option List; what follows is padding. */
		if (kind == TCPOPT_EOL)
			break;
		/* RFC 9293 §3.1: No-Operation, one byte, for alignment. */
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		/* Every other kind has a length byte: it must be in the area. */
		if (len - i < 2)
			return -1;
		olen = p[i + 1];
		/* RFC 9293 §3.1 MUST-7: an illegal length (it counts kind and length bytes). */
		if (olen < 2 || olen > len - i)
			return -1;
		if (kind == TCPOPT_MSS) {
			/* RFC 9293 §3.7.1: MSS is kind 2, length 4; any other is corrupt. */
			if (olen != TCPOLEN_MSS)
				return -1;
			/* RFC 9293 §3.7.1: meaningful only on a SYN; ignored elsewhere. */
			if (syn)
				o->mss = (uint16_t)((p[i + 2] << 8) | p[i + 3]);
		} else if (kind == TCPOPT_WS) {
			/* RFC 7323 §2.2: kind 3, length 3; any other is corrupt. */
			if (olen != TCPOLEN_WS)
				return -1;
			/* RFC 7323 §2.2: only on a SYN; elsewhere ignored. */
			if (syn) {
				o->ws_ok = true;
				o->ws = p[i + 2];
			}
		} else if (kind == TCPOPT_SACK_PERM) {
			/* RFC 2018 §2: kind 4, length 2, SYN only. */
			if (olen != TCPOLEN_SACK_PERM)
				return -1;
			if (syn)
				o->sack_ok = true;
		} else if (kind == TCPOPT_TS) {
			/* RFC 7323 §3.2: kind 8, length 10: TSval, TSecr. */
			if (olen != TCPOLEN_TS)
				return -1;
			o->ts_ok = true;
			o->tsval = get32(&p[i + 2]);
			o->tsecr = get32(&p[i + 6]);
		} else if (kind == TCPOPT_SACK) {
			unsigned int b;

			/*
			 * RFC 2018 §3: kind 5, length 2 + 8n. A length that is
			 * no whole number of blocks is corrupt. The area (40
			 * bytes) cannot hold more than TCP_SACK_MAX_BLOCKS; a
			 * second SACK option adds nothing past that bound.
			 */
			if (olen < 10 || (olen - 2) % 8 != 0)
				return -1;
			for (b = 0; b < (olen - 2u) / 8 && o->nb_sack < TCP_SACK_MAX_BLOCKS; b++) {
				o->sack[o->nb_sack].start = get32(&p[i + 2 + 8 * b]);
				o->sack[o->nb_sack].end = get32(&p[i + 6 + 8 * b]);
				o->nb_sack++;
			}
		}
		/* RFC 9293 §3.1 MUST-5: options we do not know are skipped. */
		i += olen;
	}
	return 0;
}

unsigned int
tcp_opts_write_mss(uint8_t *p, uint16_t mss)
{
	p[0] = TCPOPT_MSS;
	p[1] = TCPOLEN_MSS;
	p[2] = (uint8_t)(mss >> 8);
	p[3] = (uint8_t)mss;
	return TCPOLEN_MSS;
}

/* RFC 7323 §3.2 and Appendix A: NOP, NOP, then kind 8 so TSval is 4-byte aligned. */
unsigned int
tcp_opts_write_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_TS;
	p[3] = TCPOLEN_TS;
	put32(&p[4], tsval);
	put32(&p[8], tsecr);
	return TCP_TS_OPT_LEN;
}

/* RFC 7323 §2.2: NOP, then kind 3, length 3, shift count (Linux's layout). */
unsigned int
tcp_opts_write_ws(uint8_t *p, uint8_t shift)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_WS;
	p[2] = TCPOLEN_WS;
	p[3] = shift;
	return 4;
}

/* RFC 2018 §2 and RFC 7323 §3.2: SACK-permitted takes the NOPs' place before Timestamps. */
unsigned int
tcp_opts_write_sackperm_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	unsigned int len = tcp_opts_write_ts(p, tsval, tsecr);

	p[0] = TCPOPT_SACK_PERM;
	p[1] = TCPOLEN_SACK_PERM;
	return len;
}

unsigned int
tcp_opts_write_sackperm(uint8_t *p)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_SACK_PERM;
	p[3] = TCPOLEN_SACK_PERM;
	return 4;
}

/* RFC 2018 §3: NOP, NOP, kind 5, length 2 + 8n, then n (left edge, right edge) pairs. */
unsigned int
tcp_opts_write_sack(uint8_t *p, const struct tcp_sack_block *b, unsigned int n)
{
	unsigned int i;

	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_SACK;
	p[3] = (uint8_t)(2 + 8 * n);
	for (i = 0; i < n; i++) {
		put32(&p[4 + 8 * i], b[i].start);
		put32(&p[8 + 8 * i], b[i].end);
	}
	return 4 + 8 * n;
}
