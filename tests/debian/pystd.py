# Python's standard library on the kernel (tests/qemu/debian_root_test.py):
# what this prints must be what the same Debian python3 prints on Linux.
import hashlib, json, os, re, subprocess, sys, tempfile, threading, time

# A 10,000-line computation: each line a number's Collatz length, its
# digit sum and a running hash, written to a file, read back and summed up.
h = hashlib.sha256()
lines = []
for n in range(1, 10001):
    c, k = n, 0
    while c != 1:
        c = c // 2 if c % 2 == 0 else 3 * c + 1
        k += 1
    line = f"{n} {k} {sum(map(int, str(n)))} {n * n % 9973}"
    h.update(line.encode())
    lines.append(line)
with tempfile.TemporaryDirectory(dir=".") as d:
    p = os.path.join(d, "collatz.txt")
    with open(p, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(p) as f:
        back = f.read().splitlines()
    print("lines", len(back), "longest", max(back, key=lambda l: int(l.split()[1])), "sha256", h.hexdigest())
    print("file sha256", hashlib.sha256(open(p, "rb").read()).hexdigest(), "size", os.path.getsize(p))
    # os.walk over a tree made here, names sorted
    for i in range(3):
        os.makedirs(os.path.join(d, f"dir{i}", "sub"))
        for j in range(i + 2):
            with open(os.path.join(d, f"dir{i}", "sub" if j % 2 else "", f"file{j}"), "w") as f:
                f.write("x" * (i * 100 + j))
    for root, dirs, files in os.walk(d):
        dirs.sort()
        rel = os.path.relpath(root, d)
        print("walk", rel, sorted(dirs), [(n, os.path.getsize(os.path.join(root, n))) for n in sorted(files)])
    print("tempdir exists inside:", os.path.isdir(d))
print("tempdir gone:", not os.path.exists(d))
with tempfile.NamedTemporaryFile("w+", dir=".", suffix=".tmp") as t:
    t.write("named temporary file\n")
    t.flush()
    t.seek(0)
    print(t.read().strip(), os.path.basename(t.name).endswith(".tmp"))

# json and re
doc = {"name": "kernel", "arches": ["x86_64", "aarch64"], "n": 3, "pi": 3.14159, "ok": True, "none": None,
       "nested": {"a": [1, 2, {"b": "c"}]}, "text": "tab\there \u00e9\u4e2d"}
s = json.dumps(doc, sort_keys=True)
print(s)
print(json.dumps(json.loads(s), indent=2, ensure_ascii=False, sort_keys=True))
print(json.loads('[1e3, -0.5, "\\u0041", {"k": [true, false, null]}]'))
text = "2024-02-29 12:34:56 ERROR disk vdb: 17 blocks; 2025-01-01 00:00:00 INFO ok: 3 blocks"
for m in re.finditer(r"(?P<date>\d{4}-\d\d-\d\d) (?P<time>[\d:]+) (?P<level>[A-Z]+) (?P<msg>[^;]*)", text):
    print(m.group("level"), m.group("date"), m.groupdict()["msg"])
print(re.sub(r"(\d+) blocks", lambda m: f"{int(m.group(1)) * 4} KiB", text))
print(re.split(r"[;:]\s*", "a: b;c ;  d"), re.findall(r"\b\w{5}\b", text), bool(re.fullmatch(r"[a-f0-9]+", "beef")))

# hashlib
for name in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
    print(name, hashlib.new(name, b"The quick brown fox jumps over the lazy dog" * 100).hexdigest()[:32])
print("pbkdf2", hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 1000).hex())

# subprocess with pipes: a pipeline of Debian's programs, and input/output
p1 = subprocess.Popen(["seq", "1", "2000"], stdout=subprocess.PIPE)
p2 = subprocess.Popen(["grep", "7"], stdin=p1.stdout, stdout=subprocess.PIPE)
p1.stdout.close()
p3 = subprocess.Popen(["sort", "-rn"], stdin=p2.stdout, stdout=subprocess.PIPE)
p2.stdout.close()
out, _ = p3.communicate()
print("pipeline", len(out.splitlines()), out.splitlines()[:3], p1.wait(), p2.wait(), p3.returncode)
r = subprocess.run(["tr", "a-z", "A-Z"], input=b"through tr\n", capture_output=True)
print(r.stdout, r.returncode)
r = subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 5"], capture_output=True, text=True)
print(repr(r.stdout), repr(r.stderr), r.returncode)
print(subprocess.check_output("printf '%s\\n' b a c | sort | head -2", shell=True, text=True).split())
try:
    subprocess.run(["false"], check=True)
except subprocess.CalledProcessError as e:
    print("CalledProcessError", e.returncode)
try:
    subprocess.run(["/nonexistent/program"])
except FileNotFoundError as e:
    print("FileNotFoundError", e.errno)

# threading: workers sharing a lock, a condition, an event, a barrier
total = 0
lock = threading.Lock()
barrier = threading.Barrier(4)
results = [None] * 4


def work(i):
    global total
    barrier.wait()
    s = 0
    for k in range(i * 5000, (i + 1) * 5000):
        s += k * k % 7
    with lock:
        total += s
    results[i] = hashlib.sha256(str(s).encode()).hexdigest()[:12]


ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("threads total", total, results)
ev = threading.Event()
got = []
cond = threading.Condition()


def waiter():
    with cond:
        cond.wait_for(lambda: got)
    ev.set()


w = threading.Thread(target=waiter)
w.start()
with cond:
    got.append(1)
    cond.notify_all()
print("event set", ev.wait(10))
w.join()
local = threading.local()
local.x = "main"
def other():
    local.x = "other"
t = threading.Thread(target=other)
t.start()
t.join()
print("thread-local", local.x, threading.active_count())

# time: the clocks move forward, sleep sleeps, formatting is the C library's
t0, m0 = time.time(), time.monotonic()
time.sleep(0.05)
print("monotonic moved", time.monotonic() - m0 >= 0.05, "time moved", time.time() >= t0,
      "perf_counter", time.perf_counter() > 0, "process_time", time.process_time() >= 0)
print(time.strftime("%Y-%m-%d %H:%M:%S %a %j", time.gmtime(1700000000)), time.gmtime(0).tm_year,
      time.mktime(time.strptime("2024-02-29 12:00", "%Y-%m-%d %H:%M")) - time.timezone > 0)
print(sys.version_info[:2], sys.byteorder, sys.maxsize)
