"""load_config: overrides are applied first and the whole config checked once, so a check across fields sees every
override in any order, and an error names the override (or the file) of the key it is about."""

import pytest

from seqae.core.config import load_config
from seqae.data.errors import UsageError


def test_a_check_across_fields_sees_overrides_in_any_order():
    overrides = ["distill.search_documents=5", "distill.search_from_teacher=true", "distill.search_too=true",
                 "distill.teacher=some/tagger"]
    config = load_config(None, overrides)
    assert (config.distill.search_documents, config.distill.search_too, config.distill.teacher) == (5, True,
                                                                                                     "some/tagger")
    assert load_config(None, ["model.hidden_size=96", "model.num_heads=3"]).model.num_heads == 3


@pytest.mark.parametrize("overrides, named", [
    (["distill.search_too=true"], "override distill.search_too=true: distill.search_too"),
    (["model.copy_slots=-1"], "override model.copy_slots=-1: model.copy_slots"),
    (["model.num_heads=3"], "defaults: model.hidden_size"),  # the key no override set: where the config came from
    (["model.hidden_size=oops"], "override model.hidden_size=oops: model.hidden_size must be"),
])
def test_an_error_names_the_override_of_its_key(overrides, named):
    with pytest.raises(UsageError) as error:
        load_config(None, overrides)
    assert str(error.value).startswith(named) and "\n" not in str(error.value)


def test_an_error_in_the_file_names_the_file_and_an_override_can_mend_it(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("model:\n  hidden_size: 90\n")  # not a multiple of the default 4 heads
    with pytest.raises(UsageError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: model.hidden_size")
    assert load_config(path, ["model.num_heads=3"]).model.hidden_size == 90


def test_only_a_writer_with_the_copy_mask_gets_copy_slots():
    assert load_config(None, ["model.generator=abstractive"]).model.writer_copy_slots == 16
    assert load_config(None, ["model.generator=abstractive", "model.output_words=vocabulary"]
                       ).model.writer_copy_slots == 0
