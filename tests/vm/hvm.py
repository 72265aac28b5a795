# SPDX-License-Identifier: GPL-2.0
"""Host side of the hastor QEMU harness.

A Fabric is tgtd on 127.0.0.1 exporting file-backed LUNs, so that every
guest reaches the same disks through its own iSCSI I_T nexus and SCSI-3
persistent reservations are real.  A VM is one QEMU guest under TCG with:

  - a virtio-serial port to hastor-agent (tests/vm/agent.c), through which
    commands run and report output and exit status;
  - a QMP socket, to kill (quit), freeze (stop) or cut a link (set_link);
  - its console in a file of its own, checked for kernel reports;
  - optionally the shared LUNs (virtio-scsi, scsi-block over libiscsi), a
    local disk (virtio-blk, /dev/vda) and interconnect links (virtio-net
    over UDP sockets on 127.0.0.1, so either end can die and come back).

Nothing here sleeps to guess: every wait is for a condition, with a
timeout sized for TCG.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

IQN = "iqn.2026-11.invalid.hastor"

# Kernel reports that fail a test wherever they appear on a console.
BAD_PATTERNS = [
    r"WARNING:",
    r"BUG:",
    r"Oops",
    r"kernel BUG at",
    r"Kernel panic",
    r"general protection fault",
    r"Call Trace:",
    r"possible recursive locking",
    r"circular locking dependency",
    r"inconsistent lock state",
    r"suspected memory leak",
    r"KASAN",
    r"UBSAN",
    r"list_add corruption",
    r"list_del corruption",
    r"INFO: task .* blocked for more than",
    r"rcu_sched self-detected stall",
]


class HarnessError(Exception):
    pass


class BootFailed(HarnessError):
    """The guest died or went silent before its agent answered."""


class CommandFailed(HarnessError):
    def __init__(self, vm, script, status, out):
        super().__init__("%s: command failed (status %d): %s\n%s"
                         % (vm, status, script.strip()[:200], out[-2000:]))
        self.status = status
        self.out = out


def wait_for(cond, timeout, what, interval=0.05):
    """Poll cond() until it is true; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise HarnessError("timed out after %ss waiting for %s"
                               % (timeout, what))
        time.sleep(interval)


class Fabric:
    """tgtd on 127.0.0.1:3260 exporting `luns` file-backed LUNs."""

    def __init__(self, workdir, luns=4, size_mb=256):
        self.workdir = workdir
        self.luns = luns
        self.size_mb = size_mb
        self.proc = None
        self.target = IQN + ":shared"
        # The control port names tgtd's management socket; keep ours apart
        # from any tgtd the host may run.
        self.ctl = str(5000 + os.getpid() % 1000)

    def tgtadm(self, *args):
        cmd = ["tgtadm", "-C", self.ctl, "--lld", "iscsi"] + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            raise HarnessError("tgtadm %s: %s" % (" ".join(args),
                                                    r.stderr.strip()))
        return r.stdout

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        log = open(os.path.join(self.workdir, "tgtd.log"), "w")
        self.proc = subprocess.Popen(
            ["tgtd", "-f", "-C", self.ctl, "--iscsi",
             "portal=127.0.0.1:3260"],
            stdout=log, stderr=subprocess.STDOUT)

        def ready():
            if self.proc.poll() is not None:
                raise HarnessError("tgtd exited; see tgtd.log")
            r = subprocess.run(["tgtadm", "-C", self.ctl, "--op", "show",
                                "--mode", "sys"], capture_output=True)
            return r.returncode == 0
        wait_for(ready, 30, "tgtd to listen")
        self.tgtadm("--op", "new", "--mode", "target", "--tid", "1",
                    "-T", self.target)
        for lun in range(1, self.luns + 1):
            path = os.path.join(self.workdir, "lun%d.img" % lun)
            with open(path, "wb") as f:
                f.truncate(self.size_mb << 20)
            self.tgtadm("--op", "new", "--mode", "logicalunit", "--tid", "1",
                        "--lun", str(lun), "--bstype", "rdwr",
                        "--backing-store", path)
            self.tgtadm("--op", "update", "--mode", "logicalunit", "--tid",
                        "1", "--lun", str(lun), "--params",
                        "scsi_id=hastor-lun%d,scsi_sn=HASTOR%04d"
                        % (lun, lun))
        self.tgtadm("--op", "bind", "--mode", "target", "--tid", "1",
                    "-I", "ALL")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Job:
    """A command running in a guest; output arrives as the guest sends it."""

    def __init__(self, vm, jid, script):
        self.vm = vm
        self.id = jid
        self.script = script
        self.buf = bytearray()
        self.status = None
        self.cond = threading.Condition(vm.lock)

    @property
    def output(self):
        with self.cond:
            return self.buf.decode(errors="replace")

    def wait(self, timeout=120):
        with self.cond:
            if not self.cond.wait_for(lambda: self.status is not None
                                      or self.vm.dead, timeout):
                raise HarnessError("%s: command timed out after %ss: %s"
                                   % (self.vm, timeout,
                                      self.script.strip()[:200]))
            if self.status is None:
                raise HarnessError("%s: guest died while running: %s"
                                   % (self.vm, self.script.strip()[:200]))
            return self.status

    def wait_output(self, pattern, timeout=60):
        """Wait until the output matches a regex; return the match."""
        rx = re.compile(pattern, re.M)
        with self.cond:
            m = None

            def found():
                nonlocal m
                m = rx.search(self.buf.decode(errors="replace"))
                return m or self.status is not None or self.vm.dead
            if not self.cond.wait_for(found, timeout) or not m:
                raise HarnessError("%s: output never matched %r; got:\n%s"
                                   % (self.vm, pattern,
                                      self.buf.decode(errors="replace")
                                      [-2000:]))
            return m

    def kill(self, sig=15):
        self.vm.agent_send(b"KILL %d %d\n" % (self.id, sig))


class VM:
    def __init__(self, name, index, workdir, kernel, initrd, mem=1024,
                 smp=1, fabric=None, links=0, local_disk_mb=0, append="",
                 tools_disk=None, crashkernel=None):
        self.name = name
        self.index = index
        self.workdir = workdir
        self.kernel = kernel
        self.initrd = initrd
        self.mem = mem
        self.smp = smp
        self.fabric = fabric
        self.links = links
        self.local_disk_mb = local_disk_mb
        self.append = append
        self.tools_disk = tools_disk
        # kdump: memory reserved for a capture kernel (e.g. "160M"), and
        # a read-only disk (serial "kdump", mounted at /boot by /init)
        # with this kernel and the capture initramfs for
        # "hactl coredump arm".  Only the tests that need it pay for it.
        self.crashkernel = crashkernel
        self.proc = None
        self.lock = threading.Lock()
        self.jobs = {}
        self.next_id = 1
        self.dead = True
        self.boots = 0
        self.failed_boots = set()
        self.qmp_sock = None
        self.qmp_events = []
        self.allowed = []      # console patterns a test expects
        os.makedirs(workdir, exist_ok=True)

    def __str__(self):
        return self.name

    @property
    def console_path(self):
        return os.path.join(self.workdir, "console-%d.log" % self.boots)

    def _qemu_cmd(self):
        agent = os.path.join(self.workdir, "agent.sock")
        qmp = os.path.join(self.workdir, "qmp.sock")
        for p in (agent, qmp):
            if os.path.exists(p):
                os.unlink(p)
        self.agent_path, self.qmp_path = agent, qmp
        # no_timer_check: under TCG on a loaded host the IO-APIC timer
        # check can miss its ticks and panic the boot.
        append = ("console=ttyS0 loglevel=5 panic=-1 oops=panic "
                  "no_timer_check hastor.node=%s hastor.index=%d hastor.luns=%d %s"
                  % (self.name, self.index,
                     self.fabric.luns if self.fabric else 0, self.append))
        if self.crashkernel:
            append += " crashkernel=%s" % self.crashkernel
        cmd = ["qemu-system-x86_64", "-nodefaults", "-no-user-config",
               "-machine", "q35,accel=tcg", "-cpu", "max",
               "-m", str(self.mem), "-smp", str(self.smp),
               "-display", "none", "-no-reboot",
               "-kernel", self.kernel, "-initrd", self.initrd,
               "-append", append.strip(),
               "-chardev", "file,id=con,path=%s" % self.console_path,
               "-serial", "chardev:con",
               "-chardev", "socket,id=agent,path=%s,server=on,wait=off"
               % agent,
               "-device", "virtio-serial-pci",
               "-device", "virtserialport,chardev=agent,name=org.hastor.agent",
               "-qmp", "unix:%s,server=on,wait=off" % qmp]
        if self.local_disk_mb:
            img = os.path.join(self.workdir, "local.img")
            if not os.path.exists(img):
                with open(img, "wb") as f:
                    f.truncate(self.local_disk_mb << 20)
            cmd += ["-drive", "file=%s,format=raw,if=none,id=local,"
                    "cache=none,aio=threads" % img,
                    "-device", "virtio-blk-pci,drive=local,serial=local"]
        if self.tools_disk:
            # Benchmark tools (fio and its libraries), read-only.
            cmd += ["-drive", "file=%s,format=raw,if=none,id=tools,"
                    "readonly=on" % self.tools_disk,
                    "-device", "virtio-blk-pci,drive=tools,serial=tools"]
        if self.crashkernel:
            cmd += ["-drive", "file=%s,format=raw,if=none,id=kdump,"
                    "readonly=on" % self._kdump_disk(),
                    "-device", "virtio-blk-pci,drive=kdump,serial=kdump"]
        if self.fabric:
            cmd += ["-device", "virtio-scsi-pci,id=scsi0"]
            for lun in range(1, self.fabric.luns + 1):
                cmd += ["-drive",
                        "if=none,id=lun%d,driver=iscsi,transport=tcp,"
                        "portal=127.0.0.1:3260,target=%s,lun=%d,"
                        "initiator-name=%s:node-%s"
                        % (lun, self.fabric.target, lun, IQN, self.name),
                        "-device", "scsi-block,drive=lun%d,bus=scsi0.0,"
                        "channel=0,scsi-id=0,lun=%d" % (lun, lun)]
        for link in range(self.links):
            # Each end binds 127.0.0.1:<its port> and sends to the
            # other's; indexes are 1 and 2 in a pair.
            mine = 40000 + 10 * link + self.index
            peer = 40000 + 10 * link + (3 - self.index)
            cmd += ["-netdev", "socket,id=ic%d,udp=127.0.0.1:%d,"
                    "localaddr=127.0.0.1:%d" % (link, peer, mine),
                    "-device", "virtio-net-pci,netdev=ic%d,id=nic%d,"
                    "mac=52:54:00:48:%02d:%02d" % (link, link, link,
                                                    self.index)]
        return cmd

    def _kdump_disk(self):
        """An ext4 image with vmlinuz (this guest's kernel) and
        hastor-capture.img (the initramfs mkinitramfs.sh made next to the
        guest's own)."""
        img = os.path.join(self.workdir, "kdump.img")
        if os.path.exists(img):
            return img
        capture = re.sub(r"\.cpio$", "-capture.cpio", self.initrd)
        if capture == self.initrd or not os.path.exists(capture):
            raise HarnessError("%s: no capture initramfs %s" % (self,
                                                                capture))
        root = os.path.join(self.workdir, "kdump")
        os.makedirs(root, exist_ok=True)
        shutil.copy(self.kernel, os.path.join(root, "vmlinuz"))
        shutil.copy(capture, os.path.join(root, "hastor-capture.img"))
        size = sum(os.path.getsize(os.path.join(root, f))
                   for f in os.listdir(root))
        subprocess.run(["mke2fs", "-q", "-t", "ext4", "-d", root, img,
                        "%dk" % (size // 1024 * 5 // 4 + 8192)],
                       check=True, capture_output=True)
        shutil.rmtree(root)
        return img

    def start(self, timeout=240):
        """Boot; once more if the guest never reached /init.

        TCG on a loaded host sometimes fails the kernel's own early
        timer calibration (an IO-APIC check panic, a TSC calibration
        that never ends) before anything of ours runs; such a boot is
        retried, and its console is not scanned for kernel reports."""
        try:
            return self._start(timeout)
        except BootFailed as e:
            if "Run /init" in self.console():
                raise
            self.failed_boots.add(self.boots)
            self.kill()
            print("# %s: early boot failed, retrying: %s"
                  % (self, str(e).splitlines()[0]), flush=True)
            return self._start(timeout)

    def _start(self, timeout):
        self.boots += 1
        self.booted = False
        cmd = self._qemu_cmd()
        with open(os.path.join(self.workdir, "qemu-cmd.txt"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        err = open(os.path.join(self.workdir, "qemu-%d.err" % self.boots),
                   "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=subprocess.STDOUT)
        self.dead = False

        def sock_ready(path):
            if self.proc.poll() is not None:
                raise HarnessError("%s: qemu exited (%d); see %s"
                                   % (self, self.proc.returncode, err.name))
            return os.path.exists(path)
        wait_for(lambda: sock_ready(self.agent_path), 30, "agent socket")
        wait_for(lambda: sock_ready(self.qmp_path), 30, "QMP socket")
        self._qmp_connect()
        self.agent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.agent.connect(self.agent_path)
        self.pongs = set()
        self.reader = threading.Thread(target=self._reader, daemon=True)
        self.reader.start()
        # The agent answers once /init handed over to it; ping until then.
        deadline = time.monotonic() + timeout
        token = 0
        while True:
            token += 1
            self.agent_send(b"PING %d\n" % token)
            with self.lock:
                ok = self._cond_wait(lambda: token in self.pongs or
                                     self.dead, 1.0)
                if self.dead:
                    raise BootFailed("%s: died while booting; console:\n%s"
                                     % (self, self.console()[-3000:]))
                if ok:
                    self.booted = True
                    break
            if time.monotonic() > deadline:
                raise BootFailed("%s: no agent after %ss; console:\n%s"
                                 % (self, timeout, self.console()[-3000:]))
        return self

    def _cond_wait(self, pred, timeout):
        c = threading.Condition(self.lock)
        self._waiters = getattr(self, "_waiters", [])
        self._waiters.append(c)
        try:
            return c.wait_for(pred, timeout)
        finally:
            self._waiters.remove(c)

    def _notify(self):
        for j in self.jobs.values():
            j.cond.notify_all()
        for c in getattr(self, "_waiters", []):
            c.notify_all()

    def _reader(self):
        buf = b""
        sock = self.agent
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    nl = buf.find(b"\n")
                    if nl < 0:
                        break
                    words = buf[:nl].split()
                    if words and words[0] == b"OUT" and len(words) == 3:
                        n = int(words[2])
                        if len(buf) < nl + 1 + n:
                            break
                        chunk = buf[nl + 1:nl + 1 + n]
                        buf = buf[nl + 1 + n:]
                        with self.lock:
                            j = self.jobs.get(int(words[1]))
                            if j:
                                j.buf += chunk
                                j.cond.notify_all()
                        continue
                    buf = buf[nl + 1:]
                    with self.lock:
                        if words[:1] == [b"END"] and len(words) == 3:
                            j = self.jobs.pop(int(words[1]), None)
                            if j:
                                j.status = int(words[2])
                                j.cond.notify_all()
                        elif words[:1] == [b"PONG"] and len(words) == 2:
                            self.pongs.add(int(words[1]))
                        self._notify()
        except OSError:
            pass
        with self.lock:
            self.dead = True
            self._notify()

    def agent_send(self, data):
        try:
            self.agent.sendall(data)
        except OSError as e:
            raise HarnessError("%s: agent connection lost: %s" % (self, e))

    def spawn(self, script):
        """Start a command in the guest; returns a Job."""
        if self.dead:
            raise HarnessError("%s: not running" % self)
        data = script.encode()
        with self.lock:
            jid = self.next_id
            self.next_id += 1
            job = Job(self, jid, script)
            self.jobs[jid] = job
        self.agent_send(b"RUN %d %d\n" % (jid, len(data)) + data)
        return job

    def run(self, script, timeout=120, check=True):
        """Run a shell script in the guest; returns (status, output)."""
        job = self.spawn(script)
        status = job.wait(timeout)
        out = job.output
        self.log("$ %s\n%s[status %d]\n" % (script.strip(), out, status))
        if check and status:
            raise CommandFailed(self, script, status, out)
        return status, out

    def out(self, script, timeout=120):
        """Run a command that must succeed; return its output."""
        return self.run(script, timeout)[1]

    def log(self, text):
        with open(os.path.join(self.workdir, "commands.log"), "a") as f:
            f.write(text)

    # ---- QMP ----
    def _qmp_connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.qmp_path)
        self.qmp_sock = s
        self.qmp_file = s.makefile("rwb", buffering=0)
        json.loads(self.qmp_file.readline())      # greeting
        self.qmp("qmp_capabilities")

    def qmp(self, command, **args):
        msg = {"execute": command}
        if args:
            msg["arguments"] = args
        self.qmp_file.write(json.dumps(msg).encode() + b"\n")
        while True:
            line = self.qmp_file.readline()
            if not line:
                if command == "quit":
                    return None
                raise HarnessError("%s: QMP closed during %s" % (self,
                                                                  command))
            r = json.loads(line)
            if "event" in r:
                self.qmp_events.append(r)
                continue
            if "error" in r:
                raise HarnessError("%s: QMP %s: %s" % (self, command,
                                                       r["error"]))
            return r.get("return")

    def set_link(self, link, up):
        self.qmp("set_link", name="nic%d" % link, up=up)

    def kill(self):
        """Kill the guest at once, as a power failure would."""
        if self.proc and self.proc.poll() is None:
            try:
                self.qmp("quit")
            except (HarnessError, OSError):
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with self.lock:
            self.dead = True
            self._notify()
        for s in (getattr(self, "agent", None), self.qmp_sock):
            if s:
                s.close()

    # ---- health ----
    def console(self, boot=None):
        path = os.path.join(self.workdir, "console-%d.log"
                            % (boot or self.boots))
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def allow(self, pattern):
        """A kernel report this test provokes on purpose."""
        self.allowed.append(pattern)

    def problems(self):
        """Kernel reports on any console of this VM, one line each."""
        found = []
        for boot in range(1, self.boots + 1):
            if boot in self.failed_boots:
                continue
            for line in self.console(boot).splitlines():
                if any(re.search(a, line) for a in self.allowed):
                    continue
                if any(re.search(p, line) for p in BAD_PATTERNS):
                    found.append("%s console %d: %s" % (self, boot,
                                                        line.strip()))
        return found

    def finish(self):
        """Unload hastor, scan for leaks, save dmesg, stop the guest."""
        problems = []
        if not self.dead and getattr(self, "booted", False):
            try:
                # Removing the devices exports pools (a final CP each).
                self.run("dmsetup remove_all 2>/dev/null; "
                         "if grep -q '^hastor_kunit ' /proc/modules; then "
                         "rmmod hastor_kunit; fi; "
                         "if grep -q '^hastor ' /proc/modules; then "
                         "rmmod hastor; fi", timeout=300)
                leaks = self.out("f=/sys/kernel/debug/kmemleak; "
                                 "[ -w $f ] || exit 0; echo scan > $f; "
                                 "cat $f", timeout=300)
                if leaks.strip():
                    problems.append("%s: kmemleak:\n%s" % (self, leaks))
                dmesg = self.out("dmesg")
                with open(os.path.join(self.workdir, "dmesg-%d.log"
                                       % self.boots), "w") as f:
                    f.write(dmesg)
            except HarnessError as e:
                problems.append(str(e))
        self.kill()
        return problems + self.problems()
