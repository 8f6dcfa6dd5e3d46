"""scripts/folder_graph.py: a module's folder, and the floors of folders (a loop of folders is refused)."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("folder_graph", Path(__file__).parents[1] / "scripts" / "folder_graph.py")
folder_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(folder_graph)


@pytest.mark.parametrize("module, folder", [("seqae.core.tagger", "seqae/core/"), ("seqae.rl.search", "rl/"),
                                            ("seqae.data", "data/"), ("seqae.eval.bench", "eval/"),
                                            ("seqae.apps.serve", "seqae/apps/"), ("seqae.cli", folder_graph.FACE),
                                            ("seqae", folder_graph.FACE), ("seqae.core_extra", folder_graph.FACE)])
def test_a_module_is_in_the_folder_of_its_longest_prefix(module, folder):
    assert folder_graph.folder_of(module) == folder


def test_a_folder_stands_one_floor_above_the_highest_it_imports():
    arrows = {"top": {"middle", "bottom"}, "middle": {"bottom"}, "bottom": set(), "side": {"bottom"}}
    assert folder_graph.floors(arrows) == {"top": 3, "middle": 2, "bottom": 1, "side": 2}


def test_folders_that_import_each_other_are_refused():
    with pytest.raises(ValueError, match="folders import each other: a -> b -> a"):
        folder_graph.floors({"a": {"b"}, "b": {"a"}})
