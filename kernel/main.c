// SPDX-License-Identifier: GPL-2.0
/*
 * hastor: a high-availability storage pair.
 *
 * This file only orders the start and stop of the subsystems; each lives
 * in a file of its own.  The netlink family comes up last and goes down
 * first, so no request ever reaches a half-initialised module; the dm
 * targets cannot go while a device uses them (dm holds a module ref).
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "hastor.h"
#include "netlink.h"
#include "pool.h"
#include "wlog.h"
#include "ccm_priv.h"
#include "ccm_ha.h"
#include "diskhb.h"
#include "remote.h"

static int __init hastor_init(void)
{
	int err;

	err = hs_diskhb_init();
	if (err)
		return err;
	err = hs_wlog_init();
	if (err)
		goto err_diskhb;
	err = hs_target_pool_init();
	if (err)
		goto err_wlog;
	err = hs_target_vol_init();
	if (err)
		goto err_pool;
	err = hs_ccm_init();
	if (err)
		goto err_vol;
	err = hs_ccm_ping_init();
	if (err)
		goto err_ccm;
	err = hs_ccm_ha_init();
	if (err)
		goto err_ping;
	err = hs_remote_init();
	if (err)
		goto err_ha;
	err = hastor_genl_init();
	if (err)
		goto err_remote;
	pr_info("hastor: version %s loaded\n", HASTOR_VERSION);
	return 0;

err_remote:
	hs_remote_exit();
err_ha:
	hs_ccm_ha_exit();
err_ping:
	hs_ccm_ping_exit();
err_ccm:
	hs_ccm_exit();
err_vol:
	hs_target_vol_exit();
err_pool:
	hs_target_pool_exit();
err_wlog:
	hs_wlog_exit();
err_diskhb:
	hs_diskhb_exit();
	return err;
}

static void __exit hastor_exit(void)
{
	hastor_genl_exit();
	hs_remote_exit();
	hs_ccm_ha_exit();
	hs_ccm_ping_exit();
	hs_ccm_exit();
	hs_target_vol_exit();
	hs_target_pool_exit();
	hs_wlog_exit();
	hs_diskhb_exit();
	pr_info("hastor: unloaded\n");
}

module_init(hastor_init);
module_exit(hastor_exit);

MODULE_DESCRIPTION("hastor high-availability storage pair");
MODULE_AUTHOR("hastor developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(HASTOR_VERSION);
MODULE_ALIAS_GENL_FAMILY(HASTOR_GENL_NAME);
