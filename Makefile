# SPDX-License-Identifier: GPL-2.0
#
# hastor top-level build.  `make` builds kernel/hastor.ko (against the
# project's test kernel unless KDIR says otherwise) and tools/hactl/hactl.
# `make check` runs every test, `make demo` boots a two-node cluster.

TOP := $(CURDIR)
HASTOR_CACHE ?= /var/cache/hastor
export HASTOR_CACHE

# The test kernel's build tree; built once and cached (tests/kernel/build.sh).
TEST_KDIR = $(shell $(TOP)/tests/kernel/build.sh)
KDIR ?= $(TEST_KDIR)

# Debian's stock kernel, which the module must build for and load into too.
STOCK_KVER = $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 | \
		sed -n 's/.*linux-headers-\([^ ,]*\).*/\1/p')
STOCK_KDIR = /usr/src/linux-headers-$(STOCK_KVER)
STOCK_OUT = $(TOP)/build/stock

MODULE_SRCS = Kbuild $(filter-out %.mod.c,$(wildcard kernel/Kbuild \
	      kernel/*.[ch] kernel/tests/*.c include/uapi/linux/*.h))

.PHONY: all deps kernel module stock-module tools check kunit \
	demo torture bench clean

all: module tools

deps:
	@$(TOP)/tests/deps.sh

kernel: deps
	@$(TOP)/tests/kernel/build.sh >/dev/null

# W=1 for our files; any warning fails the build.
module: deps kernel
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 KCFLAGS=-Werror modules

# Kbuild writes objects next to the sources, so the stock-kernel build
# works on a copy of them.
stock-module: deps
	rm -rf $(STOCK_OUT) && mkdir -p $(STOCK_OUT)
	cp -r --parents $(MODULE_SRCS) $(STOCK_OUT)/
	$(MAKE) -C $(STOCK_KDIR) M=$(STOCK_OUT) W=1 KCFLAGS=-Werror modules

tools: deps
	$(MAKE) -C tools/hactl
	$(MAKE) -C tests/tools

check: all stock-module
	$(TOP)/tests/run $(if $(T),$(T),)

kunit: all
	$(TOP)/tests/run kunit

demo: all
	$(TOP)/tests/run --demo

# Takeover under kills, as many rounds as asked: `make torture N=200`.
N ?= 100
torture: all
	HASTOR_KILLS=$(N) $(TOP)/tests/run failover.kills

# Benchmarks report ratios measured side by side; they are not tests.
# `make bench` runs every one; `make bench B=mirror` runs tests/bench/mirror.py.
BENCHES = $(if $(B),$(B),pool mirror takeover remote)
bench: all
	@rc=0; for b in $(BENCHES); do $(TOP)/tests/run --bench $$b || rc=1; \
	done; exit $$rc

clean:
	find kernel \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o \
		-name '*.mod.c' -o -name '.*.cmd' \) -delete
	rm -f Module.symvers modules.order kernel/modules.order
	-$(MAKE) -C tools/hactl clean
	-$(MAKE) -C tests/tools clean
	rm -rf build
