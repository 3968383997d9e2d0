"""A stand-in model server process: real pid, real command line, real child processes.

Copied by the tests to a file named like the real entry point (``vllm``, ``text-generation-launcher``)
or module (``sglang.launch_server``, run with ``-m``) and started as
``python <dir>/vllm serve <model> --tensor-parallel-size 2 …`` — what ``ps`` shows for a pip-installed
vLLM. It starts one worker child per tensor-parallel rank (as vLLM's workers are children of the
server, with rewritten command lines), writes ``{"pid", "workers"}`` to $FAKE_SERVER_PIDFILE and
sleeps until terminated. It never serves anything and never reads its flags beyond the TP size.
"""

import json
import os
import signal
import subprocess
import sys
import time

TP_FLAGS = ("--tensor-parallel-size", "-tp", "--tp", "--tp-size", "--num-shard")  # vLLM, SGLang, TGI


def tp_size(argv):
    for i, a in enumerate(argv):
        if a in TP_FLAGS and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.split("=", 1)[0] in TP_FLAGS and "=" in a:
            return int(a.split("=", 1)[1])
    return 1


def main():
    workers = [
        subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(60)"])
        for _ in range(tp_size(sys.argv))
    ]

    def stop(*_):
        for w in workers:
            w.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    path = os.environ["FAKE_SERVER_PIDFILE"]
    with open(path + ".tmp", "w") as f:
        json.dump({"pid": os.getpid(), "workers": [w.pid for w in workers]}, f)
    os.replace(path + ".tmp", path)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
