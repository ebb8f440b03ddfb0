/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options: parsing the options area of a received header, and writing
 * the options berth sends (MSS on SYNs).
 *
 * Call chain: ipv4_input -> tcp_input -> tcp_opts_parse (once per segment)
 *             tcp_send_syn -> tcp_opts_write_mss
 *
 * Read first: RFC 9293 §3.1 (option format: EOL, NOP, kind-length-data;
 * MUST-5 unknown options ignored, MUST-7 illegal lengths handled), §3.7.1
 * (MSS, only on SYNs), RFC 1122 §4.2.2.5.
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

int
tcp_opts_parse(const uint8_t *p, unsigned int len, bool syn, struct tcp_opts *o)
{
	unsigned int i = 0;

	o->mss = 0;
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
