#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Apply "the power went out" to a directory from an lw_diskfault ledger.

  power_cut.py LEDGER DIR [--dry-run]

Run it after the process that wrote LEDGER (through lw_diskfault.so with
LW_FAULT_DIR=DIR) was killed with SIGKILL, before anything else opens DIR.
It models a disk that keeps only what a completed sync covered:

  * the directory's entries are those of the last successful fsync of the
    directory ("DIR" line): an entry created since is removed, an entry
    renamed since gets its old name back (matched by inode);
  * every file is cut to the size its inode had when its last successful
    fsync/fdatasync began ("DATA" line), 0 when it never had one or was
    created ("NEW" line) since.

What the model does not do (a real disk may be worse or better):
  * it cannot resurrect: an entry unlinked after the last directory fsync
    stays gone (a real disk would bring it back), and bytes cut by a later
    ftruncate stay cut;
  * bytes overwritten in place below the durable size keep their new value
    (a real disk may keep the old ones, or tear the sector); the journal
    only appends, and a snapshot is renamed into place only after its fsync;
  * it knows no write-back order, no reordering and no torn sectors beyond
    the durable size: everything after it is simply gone;
  * inode numbers identify files: an inode reused for a new file is told
    apart only by its NEW line;
  * only regular files directly in DIR are handled.

Prints one line per change and a summary; exit 0, or 2 on a usage error.
"""
import os
import sys


def read_ledger(path):
    """Replay the ledger: (durable size by inode, last DIR listing or None)."""
    durable, listing = {}, None
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] != b"":
        # A line cut by the kill: it never completed.
        print(f"power_cut: ignoring a torn last ledger line ({len(lines[-1])} bytes)")
    for raw in lines[:-1]:
        w = raw.decode().split()
        if not w:
            continue
        if w[0] == "NEW" and len(w) == 2:
            ino = int(w[1])
            durable[ino] = 0
            if listing:
                # A new file under a reused inode is not the one listed.
                listing = {n: i for n, i in listing.items() if i != ino}
        elif w[0] == "DATA" and len(w) == 3:
            durable[int(w[1])] = int(w[2])
        elif w[0] == "DIR" and len(w) % 2 == 1:
            listing = {w[k]: int(w[k + 1]) for k in range(1, len(w), 2)}
        else:
            print(f"power_cut: unknown ledger line {raw[:80]!r}")
    return durable, listing


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    dry = "--dry-run" in argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    ledger, d = args
    durable, listing = read_ledger(ledger) if os.path.exists(ledger) else ({}, None)
    if listing is None:
        listing = {}
        print("power_cut: no directory fsync in the ledger: no entry is durable")

    now = {}
    for name in os.listdir(d):
        st = os.lstat(os.path.join(d, name))
        if os.path.isfile(os.path.join(d, name)) and not os.path.islink(os.path.join(d, name)):
            now[name] = st.st_ino
    by_ino = {i: n for n, i in listing.items()}

    removed = renamed = cut = bytes_cut = 0
    # Entries: remove the ones created since the last directory fsync, move
    # renamed ones back (through a temporary name: renames may chain).
    moves = []
    for name, ino in sorted(now.items()):
        old = by_ino.get(ino)
        if old is None:
            print(f"power_cut: remove {name} (created after the last directory fsync)")
            removed += 1
            if not dry:
                os.unlink(os.path.join(d, name))
        elif old != name:
            moves.append((name, old))
    for k, (name, old) in enumerate(moves):
        print(f"power_cut: rename {name} back to {old} (rename not yet durable)")
        renamed += 1
        if not dry:
            os.rename(os.path.join(d, name), os.path.join(d, f".power_cut.{k}"))
    for k, (name, old) in enumerate(moves):
        if not dry:
            os.rename(os.path.join(d, f".power_cut.{k}"), os.path.join(d, old))
    gone = sorted(n for n in listing if n not in now and n not in {o for _, o in moves})
    for n in gone:
        print(f"power_cut: {n} was durable but is unlinked: not resurrected (model limit)")

    # Sizes.
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if not os.path.isfile(p) or os.path.islink(p):
            continue
        st = os.lstat(p)
        keep = durable.get(st.st_ino, 0)
        if st.st_size > keep:
            print(f"power_cut: {name}: {st.st_size} -> {keep} bytes")
            cut += 1
            bytes_cut += st.st_size - keep
            if not dry:
                os.truncate(p, keep)
    print(f"power_cut: {removed} removed, {renamed} renamed back, {cut} files cut "
          f"({bytes_cut} bytes lost), {len(gone)} not resurrected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
