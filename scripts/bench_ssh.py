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
        # A second sshd whose sessions find this jobctl on PATH: the durable mode.
        self.jobctl_port = spare_port()
        (self.dir / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key}\n"
                                              f"[127.0.0.1]:{self.jobctl_port} {host_key}\n")
        remote_home = self.dir / "remote-jobctl-home"
        remote_home.mkdir(mode=0o700)
        shutil.chown(remote_home, USER)
        jobctl_bin = Path(shutil.which("jobctl", path=sandbox.env["PATH"])).parent
        for port, name, extra in ((self.port, "sshd_config", ""),
                                  (self.jobctl_port, "sshd_jobctl_config",
                                   f"SetEnv PATH={jobctl_bin}:/usr/bin:/bin JOBCTL_HOME={remote_home}\n")):
            (self.dir / name).write_text(
                f"Port {port}\nListenAddress 127.0.0.1\nHostKey {self.dir}/host_key\n"
                f"PidFile {self.dir}/{name}.pid\n"
                f"AuthorizedKeysFile {self.dir}/authorized_keys\nStrictModes no\nUsePAM no\n"
                f"PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
                f"AllowUsers {USER}\nMaxSessions 200\nMaxStartups 200\nLogLevel ERROR\n" + extra)
        host = lambda name, port: (f"Host {name}\n  HostName 127.0.0.1\n  Port {port}\n  User {USER}\n"
                                   f"  IdentityFile {self.dir}/client_key\n  IdentitiesOnly yes\n"
                                   f"  UserKnownHostsFile {self.dir}/known_hosts\n  StrictHostKeyChecking yes\n")
        (self.dir / "ssh_config").write_text(host("benchhost", self.port) +
                                             host("benchhost-jobctl", self.jobctl_port))
        bin_dir = self.dir / "bin"
        bin_dir.mkdir()
        (bin_dir / "ssh").write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {self.dir}/ssh_config "$@"\n')
        (bin_dir / "ssh").chmod(0o755)
        self.sshds = [subprocess.Popen(["/usr/sbin/sshd", "-D", "-E", str(self.dir / f"{name}.log"), "-f",
                                        str(self.dir / name)])
                      for name in ("sshd_config", "sshd_jobctl_config")]
        for port in (self.port, self.jobctl_port):
            for _ in range(1000):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.01)
        self.env = {"PATH": f"{bin_dir}:{sandbox.env['PATH']}"}
        # Bare ssh's shared connection, as jobctl keeps its own.
        self.bare = (f"ssh -o ControlMaster=auto -o ControlPersist=10m -o ControlPath={self.dir}/bare.sock "
                     f"-o BatchMode=yes benchhost true")

    def close(self):
        self.sandbox.shell(f"ssh -o ControlPath={self.dir}/bare.sock -O exit benchhost >/dev/null 2>&1; true")
        for sshd in self.sshds:
            sshd.terminate()
            sshd.wait()
        # What the sessions of this sshd still run, by their parent links.
        subprocess.run(f"pkill -KILL -f '^ssh: ({self.dir}|{self.sandbox.dir})' ; true", shell=True)
        # The remote jobctl's workers (each job there is removed once its outcome is here).
        subprocess.run(f"pkill -KILL -f '{self.dir}/remote-jobctl-home' ; true", shell=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def ssh_case(make_case, make_contender, bench):
    """The Case: one start, one run, and one bare `ssh HOST true`, each through a shared connection
    opened before (a warm-up run makes it)."""
    env = bench.env
    start = make_contender("jobctl start --on ssh", "jobctl start -q --on ssh:benchhost -- true", shell=False, env=env)
    run = make_contender("jobctl run --on ssh (wrapper)", "jobctl run --on ssh:benchhost -- true", shell=False,
                         env=env)
    durable = make_contender("jobctl run --on ssh (jobctl there)", "jobctl run --on ssh:benchhost-jobctl -- true",
                             shell=False, env=env)
    bare = make_contender("ssh (shared connection)", bench.bare, shell=False, env=env)
    return make_case(
        "ssh", "Run `true` on another host (an sshd on 127.0.0.1) through a shared connection.",
        [start, run, durable, bare],
        note="`jobctl start` returns once the job is registered and its worker started (the command runs after); "
             "`jobctl run` and bare ssh return once `true` has run there. Each keeps one shared connection "
             "(ControlMaster), opened by the warm-up run. With jobctl there (the durable mode), the command is "
             "a job of the remote user's repository: its start, its worker, its end and its removal there "
             "come on top of the wrapper's round trip.",
        target="jobctl start --on ssh within 1.2× bare `ssh HOST true` with a shared connection")
