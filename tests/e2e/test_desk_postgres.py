import time, subprocess, sys, os, tempfile, signal
home = tempfile.mkdtemp()
env = {**os.environ, "QUANTDESK_HOME": home}
t = time.monotonic()
p = subprocess.Popen([sys.executable, "-m", "backend", "--tick-rate", "20"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd="/work/wt/i13b")
print(p.stdout.readline().strip(), "start", time.monotonic() - t)
t = time.monotonic(); p.send_signal(signal.SIGTERM); p.wait(); print("stop", time.monotonic() - t)
