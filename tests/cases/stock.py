# SPDX-License-Identifier: GPL-2.0
"""The module, built against Debian's linux-headers-amd64, loads into
Debian's stock kernel and answers over netlink."""

from hvm import HarnessError


def test_stock_kernel(h):
    vm = h.vm(kernel="stock")
    kver = vm.out("uname -r").strip()
    if kver != h.art.stock_kver:
        raise HarnessError("booted %s, expected %s" % (kver,
                                                       h.art.stock_kver))
    vm.out("insmod /lib/modules/hastor/hastor.ko")
    vm.out("hactl node set --id 2 --cluster 9 --name stock")
    show = vm.out("hactl -j node show")
    for want in ('"id":2', '"cluster_id":9', '"name":"stock"'):
        if want not in show.replace(" ", ""):
            raise HarnessError("node show lacks %s:\n%s" % (want, show))
    vm.out("rmmod hastor")
