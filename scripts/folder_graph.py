"""The import graph of seqae by folder: which source folder imports which, each folder on its floor (floor 1 imports
no other folder; a folder stands one floor above the highest it imports), and every arrow that runs back up or
around a loop. Run by scripts/lint-imports in the throwaway install it lints, where seqae.rl, seqae.data and
seqae.eval sit under seqae/ (grimp, import-linter's graph, reads the files there); `--plot PATH` also draws it.
Exits 1 when the folders import each other in a loop.
"""

import argparse
import sys
from collections import defaultdict

import grimp

# Module prefix -> the source folder it lives in (pyproject's package-dir); the longest prefix wins. The rest of the
# root package (seqae/__init__.py, cli.py, __main__.py) is the package's face.
FOLDERS = {"seqae.core": "seqae/core/", "seqae.apps": "seqae/apps/", "seqae.rl": "rl/", "seqae.data": "data/",
           "seqae.eval": "eval/"}
FACE = "seqae/ (cli.py, __main__.py, __init__.py)"


def folder_of(module: str) -> str:
    matches = [prefix for prefix in FOLDERS if module == prefix or module.startswith(prefix + ".")]
    return FOLDERS[max(matches, key=len)] if matches else FACE


def folder_imports(graph) -> dict[str, set[str]]:
    """Folder -> the other folders its modules import."""
    arrows = defaultdict(set)
    for module in graph.modules:
        if module.startswith("seqae.configs"):  # the recipes' YAML files: no code, nothing imports it
            continue
        arrows[folder_of(module)]
        for imported in graph.find_modules_directly_imported_by(module):
            if folder_of(imported) != folder_of(module):
                arrows[folder_of(module)].add(folder_of(imported))
    return arrows


def floors(arrows: dict[str, set[str]]) -> dict[str, int]:
    """Folder -> floor; raises ValueError naming a loop of folders."""
    floor, visiting = {}, []

    def visit(folder):
        if folder in floor:
            return floor[folder]
        if folder in visiting:
            loop = visiting[visiting.index(folder):] + [folder]
            raise ValueError("folders import each other: " + " -> ".join(loop))
        visiting.append(folder)
        floor[folder] = 1 + max((visit(imported) for imported in arrows[folder]), default=0)
        visiting.pop()
        return floor[folder]

    for folder in sorted(arrows):
        visit(folder)
    return floor


def plot(arrows: dict[str, set[str]], floor: dict[str, int], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_floor = defaultdict(list)
    for folder in sorted(floor):
        by_floor[floor[folder]].append(folder)
    # One floor a folder in a line would stack every arrow on one vertical: shift each floor sideways in turn, and
    # bend an arrow by how many floors it skips, so each arrow can be told apart.
    position = {folder: ((index + 1) / (len(folders) + 1) + (0.12 if level % 2 else -0.12), level)
                for level, folders in by_floor.items() for index, folder in enumerate(folders)}
    figure, axes = plt.subplots(figsize=(7, 0.8 * max(floor.values()) + 0.8))
    for folder, imported in arrows.items():
        for target in imported:
            skipped = floor[folder] - floor[target] - 1
            axes.annotate("", xy=position[target], xytext=position[folder],
                          arrowprops=dict(arrowstyle="->", color="0.55", shrinkA=10, shrinkB=10,
                                          connectionstyle=f"arc3,rad={0.25 * skipped}"))
    for folder, (x, y) in position.items():
        axes.text(x, y, folder, ha="center", va="center", fontsize=9,
                  bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.3"))
    axes.set_xlim(0, 1)
    axes.set_ylim(0.5, max(floor.values()) + 0.5)
    axes.set_yticks(sorted(by_floor), [f"floor {level}" for level in sorted(by_floor)])
    axes.set_xticks([])
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_title("seqae's folders, each above what it imports (scripts/folder_graph.py)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PATH", help="also draw the folders and their arrows into this PNG")
    args = parser.parse_args(argv)
    arrows = folder_imports(grimp.build_graph("seqae"))
    try:
        floor = floors(arrows)
    except ValueError as error:
        print(f"folder_graph: {error}", file=sys.stderr)
        return 1
    # By construction every arrow runs down: a folder stands above everything it imports.
    for folder in sorted(floor, key=lambda name: (-floor[name], name)):
        below = ", ".join(sorted(arrows[folder], key=lambda name: -floor[name])) or "nothing"
        print(f"floor {floor[folder]}  {folder:44s} imports {below}")
    if args.plot:
        plot(arrows, floor, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
