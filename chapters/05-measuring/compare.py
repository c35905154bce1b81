#!/usr/bin/env python3
"""The comparison of the course's servers, measured on this machine with one client: hs-load.

For each reference server (chapter 01 blocking, chapter 02 pool and thread per connection,
chapter 03 coroutines, chapter 04 on two io threads, chapter 06 on its own runtime, chapter 07 on io_uring) and each scenario (N clients that each hold their connection for a think
time; one think-0 throughput run; and, past one process, chapter 04 with 3 workers holding 50,000),
start a fresh server on port 0, run hs-load against it with
--server-pid and --json, and stop the server. Then print one table and write it as JSON and
Markdown, with two SVG plots (connections vs server RSS, connections vs success).

    chapters/05-measuring/compare.py [--quick] [--out DIR]     (after a release build)

Loopback only. Every run is bounded: hs-load's per-handshake --timeout ends what a server cannot
serve, and a server that does not stop on SIGTERM within 15 s is killed.
"""
import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time

BIN = "build/release/bin"
SERVERS = [  # (label, program, arguments): the reference programs with their defaults
    ("ch01 blocking", "hs-ch01-server-ref", []),
    ("ch02 pool", "hs-ch02-server-ref", ["--model", "pool"]),
    ("ch02 thread/conn", "hs-ch02-server-ref", ["--model", "thread-per-conn"]),
    ("ch03 coroutines", "hs-ch03-server-ref", []),
    ("ch04 production", "hs-ch04-server-ref", ["--io-threads", "2"]),
    ("ch06 own runtime", "hs-ch06-server-ref", []),
    ("ch07 io_uring", "hs-ch07-server-ref", []),
]
# The servers that need io_uring, which many machines refuse (chapter 07, "Security"): left out, with
# the reason, where the kernel says no.
NEEDS_IO_URING = {"hs-ch07-server-ref"}
# Past one process (chapter 04): three worker processes share the port (SO_REUSEPORT), against three
# client processes on four source addresses; not in --quick.
SCALE_OUT = ("ch04 3 workers", "hs-ch04-server-ref", ["--workers", "3"], 50000)


def start_server(program, args):
    """Starts `program` on port 0; returns (process, port) once it has printed `listening on`."""
    proc = subprocess.Popen([os.path.join(BIN, program), "--port", "0", "--quiet", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"compare: {program} did not start (its first line was {line!r})")
    return proc, int(line.rsplit(":", 1)[1])


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:  # e.g. a blocking server finishing a queue of slow clients
        proc.kill()
        proc.wait()


class WorkerSampler(threading.Thread):
    """RSS and CPU summed over a server's child processes (its --workers), sampled every 0.2 s: hs-load's
    --server-pid sampler sees one process, the parent, which only waits for its workers."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.idle_kib, self.peak_kib, self.cpu_s = pid, None, 0, 0.0
        self.done = threading.Event()

    def children(self):
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                return f.read().split()
        except OSError:
            return []

    def sample(self):
        rss, ticks = 0, 0
        for child in self.children():
            try:
                with open(f"/proc/{child}/status") as f:
                    rss += next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
                with open(f"/proc/{child}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                    ticks += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, StopIteration, IndexError, ValueError):
                pass
        return rss, ticks / os.sysconf("SC_CLK_TCK")

    def run(self):
        while not self.done.is_set():
            rss, cpu_s = self.sample()
            if rss:
                self.idle_kib = rss if self.idle_kib is None else self.idle_kib
                self.peak_kib, self.cpu_s = max(self.peak_kib, rss), max(self.cpu_s, cpu_s)
            self.done.wait(0.2)


def measure(program, args, load_args, workers=False):
    """One run: a fresh server, hs-load against it; returns hs-load's JSON figures (the server's
    RSS and CPU summed over its worker processes when `workers`)."""
    proc, port = start_server(program, args)
    sampler = WorkerSampler(proc.pid) if workers else None
    if sampler:
        time.sleep(0.5)  # the workers have started; their first sample is the idle RSS
        sampler.start()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([os.path.join(BIN, "hs-load"), "--port", str(port), "--server-pid", str(proc.pid),
                        "--quiet", "--json", out.name, *load_args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if sampler:
            sampler.done.set()
            sampler.join()
        stop_server(proc)
        with open(out.name) as f:
            text = f.read()
    if not text:
        sys.exit(f"compare: hs-load wrote no figures for {program} {' '.join(load_args)}")
    r = json.loads(text)
    if sampler and sampler.idle_kib is not None:
        s = r["server"]
        s["rss_idle_kib"], s["rss_peak_kib"], s["cpu_s"] = sampler.idle_kib, sampler.peak_kib, sampler.cpu_s
        s["kib_per_connection"] = (sampler.peak_kib - sampler.idle_kib) / max(1, r["peak_concurrent"])
        s["cpu_us_per_handshake"] = sampler.cpu_s * 1e6 / max(1, r["handshakes"])
    return r


def row(label, scenario, clients, r):
    s = r["server"]
    lat = r["latency_us"]
    return {
        "server": label, "scenario": scenario, "clients": clients,
        "ok": r["ok"], "handshakes": r["handshakes"], "success_percent": r["success_percent"],
        "failures": {k: v for k, v in r["failures"].items() if v},
        "server_errors": {k: v for k, v in r["server_errors"].items() if v},
        "peak_concurrent": r["peak_concurrent"], "handshakes_per_s": r["handshakes_per_s"],
        "p50_ms": lat["p50"] / 1000 if lat["samples"] else None,
        "p99_ms": lat["p99"] / 1000 if lat["samples"] else None,
        "rss_peak_mib": s["rss_peak_kib"] / 1024, "kib_per_connection": s["kib_per_connection"],
        "cpu_s": s["cpu_s"], "cpu_us_per_handshake": s["cpu_us_per_handshake"],
    }


def fmt_ms(v):
    return "-" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def per_connection(r):
    # Below ~1,000 connections open, a few pages of heap are the whole difference.
    return "-" if r["peak_concurrent"] < 1000 else f"{r['kib_per_connection']:.2f}"


def cpu(r):
    # /proc counts CPU in 10 ms ticks: below a few ticks the figure says nothing.
    return "-" if r["cpu_s"] < 0.05 else f"{r['cpu_us_per_handshake']:.0f}"


def markdown(rows):
    head = ("| server | scenario | ok | success | held at once | hs/s | p50 ms | p99 ms | peak RSS MiB "
            "| KiB/conn | CPU µs/hs | failures |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
    lines = []
    for r in rows:
        why = ", ".join(f"{k} {v}" for k, v in {**r["failures"], **{f"ERROR {k}": v for k, v in r["server_errors"].items()}}.items()
                        if k != "server-error")
        lines.append(f"| {r['server']} | {r['scenario']} | {r['ok']}/{r['handshakes']} | {r['success_percent']:.1f}% "
                     f"| {r['peak_concurrent']} | {r['handshakes_per_s']:.0f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p99_ms'])} "
                     f"| {r['rss_peak_mib']:.1f} | {per_connection(r)} | {cpu(r)} "
                     f"| {why or '-'} |")
    return head + "\n".join(lines) + "\n"


def nice_step(raw):
    """The smallest 1, 2 or 5 times a power of ten that is at least `raw`: round axis ticks."""
    import math
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def svg_plot(path, title, y_label, series, y_max):
    """A line plot with a logarithmic x axis (clients); series: {label: [(x, y), ...]}. Each series
    has its own colour, dash and marker shape, so series that coincide (every server at 100%, two
    at 0%) stay distinguishable; a series of one point is a marker alone, in the legend too."""
    import math
    w, h, left, right, top, bottom = 660, 400, 70, 190, 40, 64
    xs = sorted({x for pts in series.values() for x, _ in pts})
    # The axes reach a little past the data: no point sits on the frame or in the legend's margin.
    pad = 0.04 * ((math.log10(xs[-1]) - math.log10(xs[0])) or 1)
    x_lo, x_hi = math.log10(xs[0]) - pad, math.log10(xs[-1]) + pad
    px = lambda x: left + (math.log10(x) - x_lo) / (x_hi - x_lo) * (w - left - right)
    step = nice_step(y_max / 4)
    y_grid = step * math.ceil(y_max / step)  # the top grid line; the axis goes a little higher
    py = lambda y: h - bottom - y / (y_grid * 1.05) * (h - top - bottom)
    colors = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    dashes = ["", "8 4", "2 3", "12 3 2 3", "4 4", "1 2", "6 2 1 2", "10 2"]

    def marker(shape, x, y, size, color):
        """A circle, or a regular polygon of (corners, turn in degrees) about as big."""
        if shape is None:
            return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size}" fill="{color}" stroke="white"/>'
        corners, turn = shape
        r = size * (1.25 if corners < 5 else 1.1)
        points = " ".join(f"{x + r * math.sin(math.radians(turn + 360 * k / corners)):.1f},"
                          f"{y - r * math.cos(math.radians(turn + 360 * k / corners)):.1f}" for k in range(corners))
        return f'<polygon points="{points}" fill="{color}" stroke="white"/>'

    # circle, square, triangles, diamond, hexagon, pentagon, octagon
    shapes = [None, (4, 45), (3, 0), (4, 0), (3, 180), (6, 0), (5, 0), (8, 22.5)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="Helvetica" font-size="12">',
           f'<title>{title}</title>',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
           f'<text x="{(left + w - right) / 2}" y="{h - 10}" text-anchor="middle">clients (log scale)</text>',
           f'<text x="16" y="{(top + h - bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 {(top + h - bottom) / 2})">{y_label}</text>']
    last_end = -100.0
    for x in xs:  # a tick for every size measured; its label only where there is room for it
        short = f"{x / 1000:g}k" if x >= 1000 else str(x)
        out.append(f'<line x1="{px(x):.1f}" y1="{h - bottom}" x2="{px(x):.1f}" y2="{h - bottom + 4}" stroke="black"/>')
        half = 3.5 * len(short)  # about half the label's width at 12 px
        if px(x) - half > last_end + 4:
            out.append(f'<text x="{px(x):.1f}" y="{h - bottom + 18}" text-anchor="middle">{short}</text>')
            last_end = px(x) + half
    for i in range(int(round(y_grid / step)) + 1):
        y = step * i
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{w - right}" y2="{py(y):.1f}" stroke="#ddd"/>')
    for i, (label, pts) in enumerate(series.items()):
        c, dash, shape = colors[i % len(colors)], dashes[i % len(dashes)], shapes[i % len(shapes)]
        width = 2 + 1.5 * (len(series) - 1 - i)  # earlier series wider: a line drawn over another shows both
        size = 3 + 1.2 * (len(series) - 1 - i)  # and larger markers, for points that coincide
        ly = top + 18 * i + 6  # the legend: the series' own line and marker, then its name
        if len(pts) > 1:
            d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="{width}" '
                       f'stroke-dasharray="{dash}"/>')
            out.append(f'<line x1="{w - right + 8}" y1="{ly}" x2="{w - right + 34}" y2="{ly}" stroke="{c}" '
                       f'stroke-width="{width}" stroke-dasharray="{dash}"/>')
        else:
            size = 5  # a lone point: a marker big enough to find
        out += [marker(shape, px(x), py(y), size, c) for x, y in pts]
        out.append(marker(shape, w - right + 21, ly, min(size, 5), c))
        out.append(f'<text x="{w - right + 40}" y="{ly + 4}" fill="{c}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def write_outputs(out, results):
    """Writes results.json, results.md, rss.svg and success.svg into `out`; returns the table."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    rows, machine = results["rows"], results["machine"]
    table = markdown(rows)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(f"Measured by `chapters/05-measuring/compare.py{' --quick' if results['quick'] else ''}` in "
                f"{results['elapsed_s']:.0f} s on {machine['cpus']} CPUs, Linux {machine['kernel']}.\n\n{table}")
    by_server = {}
    for r in rows:
        if " held " in r["scenario"]:
            by_server.setdefault(r["server"], []).append(r)
    svg_plot(os.path.join(out, "rss.svg"), "Server memory (peak RSS), by clients held", "MiB",
             {s: [(r["clients"], r["rss_peak_mib"]) for r in rs] for s, rs in by_server.items()},
             max(10, max(r["rss_peak_mib"] for rs in by_server.values() for r in rs) * 1.1))
    svg_plot(os.path.join(out, "success.svg"), "Handshakes completed, by clients", "% ok",
             {s: [(r["clients"], r["success_percent"]) for r in rs] for s, rs in by_server.items()}, 100)
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer, smaller runs (about a minute)")
    ap.add_argument("--out", default="build/release/compare", help="where to write the JSON, Markdown and SVG")
    ap.add_argument("--replot", action="store_true", help="measure nothing: redraw from OUT/results.json")
    a = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    if a.replot:
        with open(os.path.join(a.out, "results.json")) as f:
            print(write_outputs(a.out, json.load(f)))
        return
    for _, program, _ in SERVERS:
        if not os.access(os.path.join(BIN, program), os.X_OK):
            sys.exit("compare: build first: cmake --preset release && cmake --build --preset release")
    servers = []
    for label, program, args in SERVERS:
        if program in NEEDS_IO_URING:
            check = subprocess.run([os.path.join(BIN, program), "--check-io-uring"], capture_output=True, text=True)
            if check.returncode != 0:
                print(f"  {label}: left out: {check.stderr.strip()}", flush=True)
                continue
        servers.append((label, program, args))
    clients = [50, 1500] if a.quick else [50, 1500, 5000, 15000, 19000]
    ramp = 10  # new connections per millisecond, for all the client processes together
    rows = []
    started = time.monotonic()
    for label, program, args in servers:
        for n in clients:
            # Every client holds its connection `think` ms between HELLO Y and HELLO Z: long enough
            # for all n to be open at once (opening them takes about n / 4 ms on 2 cores, the client
            # being the bottleneck). The servers get a 20 s read timeout for it, all the same. All
            # clients are let into the listen backlog at once (--max-opening n): a server that
            # cannot keep up shows it as timeouts (ours: think + 4 s for the whole handshake). Two
            # client processes past 9,000 (one process may open 20,000 files here).
            think = 1000 + n // 4
            procs = 2 if n > 9000 else 1
            load = ["--conns", str(n), "--total", str(n), "--think-ms", str(think), "--timeout", f"{think + 4000}ms",
                    "--ramp", str(ramp // procs), "--max-opening", str(n), "--procs", str(procs)]
            held_args = [*args, "--read-timeout", "20s", "--handshake-timeout", "30s"]
            rows.append(row(label, f"{n:,} held {think / 1000:.1f} s", n, measure(program, held_args, load)))
            print(f"  {label:17} {n:6,} clients: {rows[-1]['success_percent']:5.1f}% ok, "
                  f"{rows[-1]['rss_peak_mib']:.1f} MiB", flush=True)
        r = measure(program, args, ["--conns", "100", "--duration", "1s" if a.quick else "2s", "--timeout", "5s"])
        rows.append(row(label, "throughput: 100 at once, think 0", 100, r))
        print(f"  {label:17} throughput: {rows[-1]['handshakes_per_s']:.0f} handshakes/s", flush=True)
    if not a.quick:
        # 50,000 need 3 client processes (20,000 files each at most) and several source addresses
        # (28,232 ephemeral ports each; with 4, the kernel finds a free port quickly). Opening them
        # takes the clients about 15 s, so the think time is 40 s.
        label, program, args, n = SCALE_OUT
        think = 40000
        load = ["--conns", str(n), "--total", str(n), "--think-ms", str(think), "--timeout", f"{think + 20000}ms",
                "--ramp", "5", "--procs", "3", "--src-ips", "4"]
        held_args = [*args, "--read-timeout", "90s", "--handshake-timeout", "2min"]
        rows.append(row(label, f"{n:,} held {think / 1000:.1f} s", n, measure(program, held_args, load, workers=True)))
        print(f"  {label:17} {n:6,} clients: {rows[-1]['success_percent']:5.1f}% ok, "
              f"{rows[-1]['rss_peak_mib']:.1f} MiB", flush=True)
    elapsed = time.monotonic() - started

    machine = {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
               "nofile_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}
    table = write_outputs(a.out, {"machine": machine, "quick": a.quick, "elapsed_s": round(elapsed, 1), "rows": rows})
    print()
    print(table)
    print(f"Written to {a.out}/: results.json, results.md, rss.svg, success.svg ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
