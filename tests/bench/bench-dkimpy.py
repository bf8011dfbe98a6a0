#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	bench-dkimpy.py - dkimpy throughput on the benchmark corpus
# SYNOPSIS
#	bench-dkimpy.py CORPUS [SECONDS [ROUNDS]]
# DESCRIPTION
#	The dkimpy (Debian's python3-dkim) harness of run-all.sh: a loop in
#	Python signing msg-SIZE.eml with dkim.sign() and verifying
#	signed-ALG-SIZE.eml with dkim.verify() (relaxed/relaxed, rsa-sha256
#	and ed25519-sha256), keys answered from keys.txt by an in-memory
#	dnsfunc. Key material is read from disk once; dkimpy itself parses it
#	per call (its API takes the key bytes). Prints for each case
#	  RESULT dkimpy sign|verify rsa|ed SIZE MESSAGES_PER_SECOND
#	the median of ROUNDS (default 3) rounds of SECONDS (default 1) of CPU
#	time each (messages per CPU second, as openssl speed counts), at
#	least one message per round. Run with /usr/bin/python3.
import os
import statistics
import sys
import time

import dkim


def rate(fn, seconds, rounds):
    out = []
    for _ in range(rounds):
        n, start = 0, time.process_time()
        while True:
            fn()
            n += 1
            t = time.process_time()
            if t - start >= seconds:
                break
        out.append(n / (t - start))
    return statistics.median(out)


def main():
    corpus = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3

    def read(name):
        with open(os.path.join(corpus, name), "rb") as f:
            return f.read()

    keys = {}
    for line in read("keys.txt").decode().splitlines():
        name, rec = line.split(" ", 1)
        keys[name.lower()] = rec.encode()

    def dnsfunc(name, timeout=5):
        return keys.get(name.decode().rstrip(".").lower())

    algs = {"rsa": (read("rsa.pem"), b"rsa-sha256"), "ed": (read("ed.seed").strip(), b"ed25519-sha256")}
    for alg, (key, name) in algs.items():
        for size in ("2k", "64k", "1m"):
            msg, signed = read(f"msg-{size}.eml"), read(f"signed-{alg}-{size}.eml")
            if not dkim.verify(signed, dnsfunc=dnsfunc):
                sys.exit(f"dkimpy: {alg} {size}: verification failed")

            def sign():
                dkim.sign(msg, alg.encode(), b"example.net", key,
                          canonicalize=(b"relaxed", b"relaxed"), signature_algorithm=name)

            print(f"RESULT dkimpy sign {alg} {size} {rate(sign, seconds, rounds):.1f}", flush=True)
            r = rate(lambda: dkim.verify(signed, dnsfunc=dnsfunc), seconds, rounds)
            print(f"RESULT dkimpy verify {alg} {size} {r:.1f}", flush=True)


main()
