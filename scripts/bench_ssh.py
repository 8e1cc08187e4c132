"""The ssh case of scripts/bench.py: `jobctl start --on ssh:HOST` and `jobctl run --on ssh:HOST`
against bare `ssh HOST true` through a shared connection, on an sshd of the bench's own
(127.0.0.1, a spare port, the user jobctl-sshtest with a key made here, as the tests make it).
Needs root and openssh-server; otherwise it says why and is skipped."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "jobctl-sshtest"
HOME = "/var/tmp/jobctl-sshtest-home"


def unavailable():
    if os.geteuid() != 0:
        return "needs root (a test user and an sshd of its own)"
    if not Path("/usr/sbin/sshd").exists() or shutil.which("ssh") is None:
        return "needs openssh-server and openssh-client"
    return None


def spare_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SshBench:
    """An sshd on 127.0.0.1, a client config naming it `benchhost`, and `ssh` first on PATH
    (a wrapper adding -F) for both jobctl and bare ssh."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.dir = Path(tempfile.mkdtemp(prefix="jobctl-bench-ssh-", dir="/tmp"))
        self.dir.chmod(0o755)
        run = lambda *argv: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if subprocess.run(["id", USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--home-dir", HOME, "--shell", "/bin/sh", USER],
                           capture_output=True)
        run("usermod", "-p", "*", USER)
        Path(HOME).mkdir(parents=True, exist_ok=True)
        shutil.chown(HOME, USER)
        Path("/run/sshd").mkdir(exist_ok=True)
        for key in ("host_key", "client_key"):
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / key))
        shutil.copy(self.dir / "client_key.pub", self.dir / "authorized_keys")
        (self.dir / "authorized_keys").chmod(0o644)
        self.port = spare_port()
        host_key = " ".join((self.dir / "host_key.pub").read_text().split()[:2])
        (self.dir / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key}\n")
        (self.dir / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir}/host_key\nPidFile {self.dir}/sshd.pid\n"
            f"AuthorizedKeysFile {self.dir}/authorized_keys\nStrictModes no\nUsePAM no\n"
            f"PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
            f"AllowUsers {USER}\nMaxSessions 200\nMaxStartups 200\nLogLevel ERROR\n")
        (self.dir / "ssh_config").write_text(
            f"Host benchhost\n  HostName 127.0.0.1\n  Port {self.port}\n  User {USER}\n"
            f"  IdentityFile {self.dir}/client_key\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {self.dir}/known_hosts\n  StrictHostKeyChecking yes\n")
        bin_dir = self.dir / "bin"
        bin_dir.mkdir()
        (bin_dir / "ssh").write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {self.dir}/ssh_config "$@"\n')
        (bin_dir / "ssh").chmod(0o755)
        self.sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-E", str(self.dir / "sshd.log"), "-f",
                                      str(self.dir / "sshd_config")])
        for _ in range(1000):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.01)
        self.env = {"PATH": f"{bin_dir}:{sandbox.env['PATH']}"}
        # Bare ssh's shared connection, as jobctl keeps its own.
        self.bare = (f"ssh -o ControlMaster=auto -o ControlPersist=10m -o ControlPath={self.dir}/bare.sock "
                     f"-o BatchMode=yes benchhost true")

    def close(self):
        self.sandbox.shell(f"ssh -o ControlPath={self.dir}/bare.sock -O exit benchhost >/dev/null 2>&1; true")
        self.sshd.terminate()
        self.sshd.wait()
        # What the sessions of this sshd still run, by their parent links.
        subprocess.run(f"pkill -KILL -f '^ssh: ({self.dir}|{self.sandbox.dir})' ; true", shell=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def ssh_case(make_case, make_contender, bench):
    """The Case: one start, one run, and one bare `ssh HOST true`, each through a shared connection
    opened before (a warm-up run makes it)."""
    env = bench.env
    start = make_contender("jobctl start --on ssh", "jobctl start -q --on ssh:benchhost -- true", shell=False, env=env)
    run = make_contender("jobctl run --on ssh", "jobctl run --on ssh:benchhost -- true", shell=False, env=env)
    bare = make_contender("ssh (shared connection)", bench.bare, shell=False, env=env)
    return make_case(
        "ssh", "Run `true` on another host (an sshd on 127.0.0.1) through a shared connection.",
        [start, run, bare],
        note="`jobctl start` returns once the job is registered and its worker started (the command runs after); "
             "`jobctl run` and bare ssh return once `true` has run there. Each keeps one shared connection "
             "(ControlMaster), opened by the warm-up run.",
        target="jobctl start --on ssh within 1.2× bare `ssh HOST true` with a shared connection")
