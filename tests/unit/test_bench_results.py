"""bench/RESULTS.md keeps one section per benchmark."""

from bench.results import record_section


def test_a_section_replaces_its_earlier_run_and_keeps_the_others(tmp_path):
    results = tmp_path / "RESULTS.md"
    record_section("## Pages\n\nold pages\n", results)
    record_section("## Training\n\ntraining\n", results)
    record_section("## Draw\n\ndraw\n", results)
    record_section("## Training\n\nnew training\n", results)
    text = results.read_text()
    assert text == "## Pages\n\nold pages\n\n## Training\n\nnew training\n\n## Draw\n\ndraw\n"


def test_the_first_section_creates_the_file(tmp_path):
    results = tmp_path / "RESULTS.md"
    record_section("## Pages\n\nrows\n", results)
    assert results.read_text() == "## Pages\n\nrows\n"
