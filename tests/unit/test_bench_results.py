"""bench/RESULTS.md keeps one section per benchmark."""

from bench.results import record_section


def test_a_section_replaces_its_earlier_run_and_the_order_is_fixed(tmp_path):
    results = tmp_path / "RESULTS.md"
    record_section("## Training throughput\n\ntraining\n", results)
    record_section("## Draw page\n\ndraw\n", results)
    record_section("## Page rerun time\n\npages\n", results)
    record_section("## Training throughput\n\nnew training\n", results)
    assert results.read_text() == (
        "# Benchmark results\n\n## Page rerun time\n\npages\n\n"
        "## Training throughput\n\nnew training\n\n## Draw page\n\ndraw\n"
    )


def test_the_first_section_creates_the_file(tmp_path):
    results = tmp_path / "RESULTS.md"
    record_section("## Draw page\n\nrows\n", results)
    assert results.read_text() == "# Benchmark results\n\n## Draw page\n\nrows\n"
