/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Volume I/O forwarded to the partner over HS_CCM_CHAN_IO: the wire
 * format (Documentation/protocol.md, "Channel 3"), and what the
 * hastor-remote target (target_remote.c, the requester) and the server
 * (remote_srv.c) share.
 *
 * A message's payload is its data first and a fixed big-endian header
 * last, so that the data starts on a page boundary and the receiver can
 * build a bio straight on the message's pages.
 */
#ifndef _HASTOR_REMOTE_H
#define _HASTOR_REMOTE_H

#include <linux/build_bug.h>
#include <linux/types.h>

struct hs_ccm_chan;
struct hs_ccm_msg;
struct hs_vol;

enum { HS_REMOTE_REQ = 1, HS_REMOTE_REPLY = 2 };

enum hs_remote_op {
	HS_ROP_READ = 1,
	HS_ROP_WRITE = 2,
	HS_ROP_FLUSH = 3,	/* empty: everything acknowledged is durable */
	HS_ROP_DISCARD = 4,
	HS_ROP_WRITE_ZEROES = 5,
	HS_ROP_MAX = HS_ROP_WRITE_ZEROES,
};

#define HS_RFLAG_FUA		0x01	/* writes only */

enum hs_remote_status {
	HS_RST_OK = 0,
	HS_RST_NOT_SERVED = 1,	/* pool or volume device not live here: retry */
	HS_RST_NO_VOLUME = 2,	/* the pool is served here, the volume is not in it */
	HS_RST_IOERR = 3,
	HS_RST_NOSPC = 4,
	HS_RST_INVALID = 5,	/* malformed request */
	HS_RST_MAX = HS_RST_INVALID,
};

/* Largest request: 256 KiB, well inside HS_CCM_MSG_MAX and the window. */
#define HS_REMOTE_MAX_SECTORS	512
#define HS_REMOTE_MAX_BYTES	(HS_REMOTE_MAX_SECTORS * 512U)

struct hs_remote_wire_req {
	__be64 tag;		/*  0 */
	u8 pool_uuid[16];	/*  8 */
	__be64 vol_id;		/* 24 */
	__be64 sector;		/* 32: 512-byte sectors in the volume */
	__be32 len;		/* 40: bytes */
	u8 op;			/* 44 */
	u8 flags;		/* 45 */
	__be16 hdr_len;		/* 46: HS_REMOTE_REQ_LEN */
} __packed;

#define HS_REMOTE_REQ_LEN	48
static_assert(sizeof(struct hs_remote_wire_req) == HS_REMOTE_REQ_LEN);

struct hs_remote_wire_reply {
	__be64 tag;		/*  0 */
	__be32 len;		/*  8: data bytes before the header */
	u8 status;		/* 12 */
	u8 reserved;		/* 13: must be 0 */
	__be16 hdr_len;		/* 14: HS_REMOTE_REPLY_LEN */
} __packed;

#define HS_REMOTE_REPLY_LEN	16
static_assert(sizeof(struct hs_remote_wire_reply) == HS_REMOTE_REPLY_LEN);

/* Host order. */
struct hs_remote_req {
	u64 tag;
	u8 pool_uuid[16];
	u64 vol_id;
	u64 sector;
	u32 len;
	u8 op;
	u8 flags;
};

struct hs_remote_reply {
	u64 tag;
	u32 len;
	u8 status;
};

/* Payload bytes of a request or reply message with len bytes of data. */
static inline bool hs_remote_req_has_data(u8 op)
{
	return op == HS_ROP_WRITE;
}

void hs_remote_req_pack(const struct hs_remote_req *r,
			struct hs_remote_wire_req *w);
/* 0, or -EINVAL with *why naming the bad field; msg_len is the payload's. */
int hs_remote_req_unpack(const struct hs_remote_wire_req *w, u32 msg_len,
			 struct hs_remote_req *r, const char **why);
void hs_remote_reply_pack(const struct hs_remote_reply *r,
			  struct hs_remote_wire_reply *w);
int hs_remote_reply_unpack(const struct hs_remote_wire_reply *w,
			   u32 msg_len, struct hs_remote_reply *r);
/* The delay before the retry after one that waited prev_ms. */
unsigned int hs_remote_backoff_ms(unsigned int prev_ms);

#define HS_REMOTE_RETRY_MIN_MS	20
#define HS_REMOTE_RETRY_MAX_MS	200

/* remote_srv.c: the server side, called by target_remote.c's channel. */
void hs_rsrv_recv(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg);
void hs_rsrv_state(bool reachable);
int hs_rsrv_init(void);
void hs_rsrv_exit(void);

/* target_vol.c: a hastor-vol table became live on disk, or stops being. */
void hs_rsrv_publish(struct hs_vol *vol, dev_t devt);
void hs_rsrv_unpublish(struct hs_vol *vol, dev_t devt);

/* target_remote.c: the target and the channel. */
int hs_remote_init(void);
void hs_remote_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
struct hs_ccm_chan *hs_remote_chan(void);
u64 hs_rsrv_settle(void);
#endif

#endif /* _HASTOR_REMOTE_H */
