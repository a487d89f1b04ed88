#!/usr/bin/env python3
"""Measures the directory as a browser uses it (called by scripts/bench-annuaire.sh; prints figures,
asserts nothing): signs in through the PSC stand-in, then asks the webmail's `suggestions` server
function for realistic prefixes over HTTP (keep-alive, one at a time, as the compose field does),
and compares, on the same index file, FTS5 with a plain LIKE '%…%' scan of the same table.

    bench_annuaire.py <webmail url> <extraction file> <index file> <rpps> [queries]
"""
import http.client
import http.cookiejar
import json
import random
import re
import sqlite3
import statistics
import sys
import time
import unicodedata
import urllib.parse
import urllib.request


def sign_in(base, rpps):
    """The OIDC dance a browser does, with a cookie jar; returns the webmail's session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/auth/login")
    form = re.search(r'action="(/interaction/[^"]+/login)"', page.read().decode())
    login = urllib.parse.urljoin(page.geturl(), form.group(1))
    opener.open(login, data=urllib.parse.urlencode({"rpps": rpps}).encode()).read()
    cookie = next(c for c in jar if c.name == "mss_session")
    return f"mss_session={cookie.value}"


def fold(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def realistic_queries(extraction, count, rng):
    """What people type: 1 to 4 words (name, first name, specialty, town), each cut to 2–10 letters."""
    rows = []
    with open(extraction, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("|")
        col = {name: i for i, name in enumerate(header)}
        for n, line in enumerate(f):
            if n % 97 == 0:
                rows.append(line.rstrip("\n").split("|"))
    queries = []
    while len(queries) < count:
        row = rng.choice(rows)
        pick = lambda name: row[col[name]] if col.get(name) is not None and col[name] < len(row) else ""
        words = [w for w in [pick("Nom d'exercice"), pick("Prénom d'exercice"), pick("Libellé savoir-faire").split(" ")[0],
                             pick("Ligne Acheminement (L6)").split(" ")[-1]] if w]
        if not words:
            continue
        chosen = words[: rng.randint(1, min(4, len(words)))]
        typed = " ".join(w[: rng.randint(2, 10)] for w in chosen)
        queries.append(typed.lower() if rng.random() < 0.7 else typed)
    return queries


LIKE_QUERIES = 50


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(label, values):
    print(f"  {label:<48} p50 {percentile(values, 50):7.2f} ms   p90 {percentile(values, 90):7.2f} ms   p99 {percentile(values, 99):7.2f} ms")


def main():
    base, extraction, index, rpps = sys.argv[1:5]
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    rng = random.Random(12)
    queries = realistic_queries(extraction, count, rng)
    cookie = sign_in(base, rpps)
    url = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"cookie": cookie, "origin": base, "content-type": "application/json"}

    def suggest(query):
        connection.request("POST", "/api/suggestions", body=json.dumps({"query": query}), headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"/api/suggestions {query!r}: HTTP {response.status} {body[:200]!r}")
        return json.loads(body)

    for q in queries[:50]:  # warm-up (connection, page cache)
        suggest(q)
    over_http, found = [], 0
    for q in queries:
        started = time.perf_counter()
        answer = suggest(q)
        over_http.append((time.perf_counter() - started) * 1000)
        found += bool(answer)

    db = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    words_of = lambda q: [w for w in re.split(r"\W+", q.lower()) if w]
    fts, like = [], []
    haystack = "title || ' ' || given || ' ' || family || ' ' || profession || ' ' || specialty || ' ' || organisation || ' ' || service || ' ' || town || ' ' || postcode || ' ' || numbers"
    # a full scan takes up to a second: the LIKE baseline runs on the first LIKE_QUERIES queries
    for n, q in enumerate(queries):
        words = words_of(q)
        long = [w for w in words if len(w) >= 2]
        started = time.perf_counter()
        if long:
            db.execute("SELECT e.* FROM words JOIN entry e ON e.id = words.rowid WHERE words MATCH ? LIMIT 8",
                       (" ".join(f'"{w}"*' for w in long),)).fetchall()
        fts.append((time.perf_counter() - started) * 1000)
        if n >= LIKE_QUERIES:
            continue
        started = time.perf_counter()
        db.execute(f"SELECT * FROM entry WHERE {' AND '.join([haystack + ' LIKE ?'] * len(words))} LIMIT 8",
                   [f"%{w}%" for w in words]).fetchall()
        like.append((time.perf_counter() - started) * 1000)

    print(f"\nSuggestions for {len(queries)} realistic prefixes (1–4 words, 2–10 characters), {found} with results:")
    summary("webmail over HTTP (POST /api/suggestions)", over_http)
    summary("  of which the index alone (FTS5, same file)", fts)
    summary(f"plain LIKE '%…%' scan, same table ({len(like)} first)", like)
    print(f"  LIKE scan / webmail over HTTP: ×{statistics.median(like) / statistics.median(over_http):.0f} at p50, "
          f"×{percentile(like, 99) / percentile(over_http, 99):.0f} at p99")
    for example in ["dub card", "lefevre", "10100000017", "marie mar", "pharm lyon"]:
        started = time.perf_counter()
        names = [c["name"] for c in suggest(example)][:3]
        print(f"  « {example} » → {', '.join(names) or 'rien'} ({(time.perf_counter() - started) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
