# SPDX-License-Identifier: MIT
"""An allocation-heavy Python program for tamalloc-run's tests: dicts, lists
and strings churned in the main thread, in four threads and in a pool of
forked processes, a large buffer, and a digest of all results printed, so a
run under tamalloc-run can be compared with a plain one byte for byte.

    python3 workload.py [--hold DIR]

--hold DIR: when done, create DIR/ready and wait until DIR/go exists (so a
test can look at the process while its memory is still held).
"""
import hashlib
import multiprocessing
import os
import sys
import threading
import time


def churn(n, seed):
    d = {}
    for i in range(n):
        d["k%d" % ((i * seed) % 20011)] = [i] * (i % 13) + ["%d" % i * (i % 7)]
        if i % 3 == 0:
            d.pop("k%d" % ((i * 7) % 20011), None)
    h = hashlib.sha256()
    for k in sorted(d):
        h.update(k.encode())
        h.update(repr(d[k]).encode())
    return h.hexdigest()


def task(x):
    return "%d:%s" % (sum(i * i for i in range(x * 1000)), churn(2000, x + 1)[:16])


def main():
    hold = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--hold" else None
    results = {"main": churn(60000, 3)}

    out = [None] * 4
    threads = [threading.Thread(target=lambda t=t: out.__setitem__(t, churn(15000, t + 5)))
               for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results["threads"] = out

    with multiprocessing.get_context("fork").Pool(2) as pool:
        results["pool"] = pool.map(task, range(12))

    big = bytearray(32 << 20)
    for off in range(0, len(big), 4096):
        big[off] = off // 4096 % 251
    results["big"] = hashlib.sha256(big).hexdigest()

    print(hashlib.sha256(repr(results).encode()).hexdigest())
    print(results["pool"][:3])
    sys.stdout.flush()
    if hold:
        open(os.path.join(hold, "ready"), "w").close()
        while not os.path.exists(os.path.join(hold, "go")):
            time.sleep(0.05)
        del big


if __name__ == "__main__":
    main()
