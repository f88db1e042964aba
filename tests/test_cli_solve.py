"""``banana solve`` through the CLI: output, JSON, batch, range, and one-line errors."""

from __future__ import annotations

import json
import re

import pytest


def test_help_has_an_example(cli):
    result = cli("solve", "--help")
    assert result.exit_code == 0
    assert "banana solve 3 3 8 8 --target 24" in result.output
    assert "--integer-steps" in result.output and "--nearest" in result.output


def test_help_states_the_upper_limit_of_every_bound(cli):
    options: dict[str, str] = {}  # option -> its help text
    name = None
    for line in cli("solve", "--help").output.split("Options:", 1)[1].splitlines():
        match = re.match(r"  (?:-\w, )?(--[\w-]+)(.*)", line)
        if match:
            name = match.group(1)
            options[name] = match.group(2)
        elif name:
            options[name] += " " + line.strip()
    for option, limit in [("--max-depth", "at most 8]"), ("--max-factorial", "at most 100]"),
                          ("--max-value", "at most 1e30]"), ("--max-digits", "at most 12]"),
                          ("--max-work", "at most 1e8]"), ("--limit", "(at most 1,000)"),
                          ("--range", "(at most 10,000 of them)")]:
        assert limit in " ".join(options[option].split()), (option, options[option])


def test_target_prints_the_answer_a_fan_reads(cli):
    """One answer line without jargon, then how many distinct answers exist and how hard
    the puzzle is (each line carried "cost 7  ✓ verified" and the plain text)."""
    result = cli("solve", "3", "3", "8", "8", "--target", "24", "--ops", "arithmetic")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[1].strip() == "8÷(3−8÷3)"
    assert "verified" not in result.output and "cost" not in result.output
    assert lines[2] == "1 distinct answer within the bounds · difficulty: hard"
    explained = cli("solve", "3", "3", "8", "8", "--target", "24", "--ops", "arithmetic", "--explain")
    assert "cost 7" in explained.output
    assert [line.strip() for line in explained.output.splitlines()[2:5]] == ["8÷3 = 8/3", "3−8/3 = 1/3",
                                                                             "8÷(8/3) = 3"] or \
        "8÷(1/3) = 24" in explained.output


def test_two_twos_wild_all(cli):
    result = cli("solve", "2", "2", "--target", "5", "--ops", "wild", "--all")
    assert result.exit_code == 0
    assert "(√.2)⁻²" in result.output and "⌈√22⌉" in result.output


def test_latex_and_ascii_styles(cli):
    latex = cli("solve", "2", "2", "--target", "5", "--ops", "wild", "--all", "--latex")
    assert "\\left(\\sqrt{.2}\\right)^{-2}" in latex.output
    assert "\\left\\lceil\\sqrt{22}\\right\\rceil" in latex.output
    ascii_ = cli("solve", "3", "3", "8", "8", "-t", "24", "--ops", "arithmetic", "--ascii")
    assert "8/(3-8/3)" in ascii_.output and "÷" not in ascii_.output


def test_target_json(cli):
    result = cli("solve", "2", "2", "--target", "5", "--ops", "wild", "--all", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"numbers", "target", "ops", "solutions", "nearest", "count", "difficulty", "suggestion"} <= set(data)
    assert data["numbers"] == [2, 2] and data["target"] == "5" and data["nearest"] is None
    assert data["count"] >= 5 and data["complete"] is True and data["suggestion"] is None
    assert "repeating" in data["ops"] and "add" in data["ops"]
    for solution in data["solutions"]:
        assert set(solution) == {"text", "unicode", "latex", "value", "cost", "verified"}
        assert solution["verified"] is True and solution["value"] == "5"
    assert {"sqrt(.2)^-2", "ceil(sqrt(22))"} <= {s["text"] for s in data["solutions"]}


def test_no_solution_and_nearest(cli):
    plain = cli("solve", "1", "1", "1", "1", "--target", "24", "--ops", "arithmetic")
    assert plain.exit_code == 0 and "no solution" in plain.output
    nearest = cli("solve", "1", "1", "1", "1", "-t", "24", "--ops", "arithmetic", "--nearest", "--json")
    data = json.loads(nearest.output)
    assert data["solutions"] == [] and [s["value"] for s in data["nearest"]] == ["4"]


def test_help_documents_the_exit_status(cli):
    text = " ".join(cli("solve", "--help").output.split())
    assert "Exit status: 0 when the search ran, also when nothing reaches the target" in text
    assert "1 for bad input, or for a search too large for --max-work" in text


@pytest.mark.parametrize("args", [["1", "1", "1", "--target", "-11"], ["7", "7", "7", "--target", "1000"]])
def test_an_unreachable_target_is_one_clear_line_and_exit_0(cli, args):
    """As documented in --help: the search ran, so exit 0, and one line says so."""
    result = cli("solve", *args)
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert args[-1] in lines[0]  # the puzzle, then the verdict, then a wider preset's answer
    assert lines[1] == "no solution within the search bounds"
    assert lines[2] == "with --ops wild:" and len(lines) == 4


def test_an_unreachable_target_with_nearest_matches_the_library(cli):
    from banana.solver import solve

    data = json.loads(cli("solve", "1", "1", "1", "--target", "-11", "--nearest", "--json").output)
    expected = solve([1, 1, 1], -11, nearest=True)
    assert data["solutions"] == [] and data["nearest"]
    assert data["nearest"] == [s.to_dict() for s in expected.nearest]
    shown = cli("solve", "1", "1", "1", "--target", "-11", "--nearest", "--ascii")
    assert shown.exit_code == 0
    assert "no solution within the search bounds" in shown.output and "nearest:" in shown.output
    assert all(f"{s['text']} = {s['value']} ≈ {s['approx']}" in shown.output for s in data["nearest"])


def test_batch_says_no_solution_per_line_and_exits_0(cli):
    result = cli("solve", "--batch", "-", input="1 1 1 -> -11\n2 2 -> 4\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "1 1 1 -> -11  no solution"
    assert result.stdout.splitlines()[1].startswith("2 2 -> 4  =  ")
    assert "1 of 2 puzzles solved" in result.stderr


def test_countdown(cli):
    result = cli(
        "solve", "100", "75", "50", "25", "6", "3", "--target", "952",
        "--use", "some", "--integer-steps", "--ops", "arithmetic", "--json",
    )
    assert result.exit_code == 0
    solution = json.loads(result.output)["solutions"][0]
    assert solution["value"] == "952" and solution["verified"]


def test_range_table_and_summary(cli):
    result = cli("solve", "4", "4", "4", "4", "--range", "0..12", "--ops", "arithmetic")
    assert result.exit_code == 0
    assert "missing" in result.output and "0  44" not in result.output
    assert "reached 11 of 13, missing 2, first missing: 10" in result.output


def test_range_json(cli):
    result = cli("solve", "4", "4", "4", "4", "--range", "0..100", "--ops", "arithmetic", "--json")
    data = json.loads(result.output)
    assert {"found", "missing", "first_missing", "nearest", "complete"} <= set(data)
    assert data["first_missing"] == 10 and 10 in data["missing"]
    assert "10" not in data["found"]
    # every form of each answer, not only the plain text
    assert set(data["found"]["9"]) == {"text", "unicode", "latex", "value", "cost", "verified"}


def test_classic_range_reaches_everything(cli):
    data = json.loads(cli("solve", "4", "4", "4", "4", "--range", "0..100", "--json").output)
    assert data["missing"] == [] and data["first_missing"] is None and len(data["found"]) == 101


def test_batch_file_json_lines(cli, tmp_path):
    batch = tmp_path / "hands.txt"
    batch.write_text("1 3 4 6 -> 24\n# a comment\n\n1 1 1 1 -> 24\n3 3 8 8 -> 24\n", encoding="utf-8")
    result = cli("solve", "--batch", str(batch), "--ops", "arithmetic", "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["numbers"] for line in lines] == [[1, 3, 4, 6], [1, 1, 1, 1], [3, 3, 8, 8]]
    assert [bool(line["solutions"]) for line in lines] == [True, False, True]
    assert lines[0]["solutions"][0]["text"] == "6/(1-3/4)"


def test_batch_from_stdin_with_a_bad_line(cli):
    result = cli("solve", "--batch", "-", "--ops", "arithmetic", input="3 3 8 8 -> 24\nfoo -> 3\n")
    assert result.exit_code == 1
    assert "3 3 8 8 -> 24  =  8÷(3−8÷3)" in result.stdout
    assert "line 2: not a number: 'foo'" in result.stderr
    assert "1 of 2 puzzles solved, 1 bad lines" in result.stderr


def test_list_ops(cli):
    result = cli("solve", "--list-ops")
    assert result.exit_code == 0
    for name in ("add", "pow", "root", "log", "gamma", "percent", "concat", "decimal", "repeating"):
        assert name in result.output
    assert "classic (default):" in result.output
    data = json.loads(cli("solve", "--list-ops", "--json").output)
    assert data["default"] == "classic" and "wild" in data["presets"]
    assert {op["name"] for op in data["operators"]} >= {"add", "sqrt", "repeating"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "5"], "Error: no numbers given"),
        (["2", "two", "--target", "5"], "Error: not a number: 'two'"),
        (["2", "2", "--target", "5", "--ops", "foo"], "Error: unknown operator 'foo'"),
        (["1"] * 40 + ["--target", "5"], "Error: too many numbers: 40 (at most 12)"),
        (["4", "4", "4", "4", "--range", "5..1"], "Error: empty range 5..1"),
        (["2", "2", "--target", "1e999999"], "Error: bad target '1e999999'"),
        (["2", "2"], "Error: give a --target, a --range or a --batch file"),
        (["2", "2", "--target", "5", "--range", "1..3"], "Error: use only one of --target, --range"),
        (["2", "-3", "--target", "5"], "Error: numbers must not be negative: -3"),
        (["2", "2", "--tagret", "5"], "Error: no such option: --tagret"),
        (["2", "2", "--target", "5", "--limit", "0"], "Error: --limit must be at least 1, not 0"),
        (["2", "2", "--target", "5", "--max-work", "lots"],
         "Error: --max-work must be a whole number from 1 to 1e8, not 'lots'"),
        (["2", "2", "--target", "5", "--max-work", "2.5e6"], "Error: --max-work must be a whole number"),
        (["9", "9", "--target", "5", "--ops", "wild", "--max-depth", "20"],
         "Error: --max-depth must be at most 8, not 20"),
        (["4", "4", "4", "4", "--target", "7", "--ops", "wild", "--all", "--limit", "1000000"],
         "Error: --limit must be at most 1,000, not 1000000"),
        (["2", "2", "--target", "5", "--max-work", "1e9"], "Error: --max-work must be at most 1e8, not 1e9"),
        (["2", "2", "--target", "5", "--max-factorial", "101"], "Error: --max-factorial must be at most 100"),
        # over the limit, however written: it said "must be a whole number" for 1e31
        (["2", "2", "--target", "5", "--max-value", "1e31"], "Error: --max-value must be at most 1e30, not 1e31"),
        (["2", "2", "--target", "5", "--max-value", "10**40"], "Error: --max-value must be at most 1e30, not 10**40"),
        (["2", "2", "--target", "5", "--max-value", "1e999999"], "Error: --max-value must be at most 1e30"),
        (["2", "2", "--target", "5", "--max-digits", "13"], "Error: --max-digits must be at most 12"),
        # digits other than 0-9 are refused, never read silently as 0-9
        (["٣", "3", "--target", "5"], "Error: number '٣' has '٣' (arabic-indic digit three)"),
        (["３", "3", "--target", "5"], "Error: number '３' has '３' (fullwidth digit three)"),
        (["3", "3", "--target", "१२"], "Error: target '१२' has '१' (devanagari digit one)"),
        (["3", "3", "--range", "0..１０"], "Error: range '0..１０' has '１'"),
        (["3", "3", "--target", "5", "--max-depth", "２"], "Error: --max-depth value '２' has '２'"),
        (["1", "2", "--target", "3", "--ordered", "--use", "some"], "Error: --ordered uses every number"),
        (["1", "2", "--target", "3", "--steps", "any", "--integer-steps"],
         "Error: --integer-steps means --steps positive"),
        (["1", "2", "--range", "1..3", "--fewest"], "Error: --fewest is for one target"),
        (["1", "2", "--target", "3", "--json", "--markdown"], "Error: use only one of --json, --markdown"),
        (["4", "--range", "0..10000"], "Error: range 0..10000 has 10,001 integers (at most 10,000)"),
        (["--batch", "/no/such/file"], "Error: cannot read batch file /no/such/file"),
        (["2", "--batch", "-"], "Error: with --batch, the numbers come from the file"),
        (["2", "2", "--target", str(10**20)], "Error: target 100000000000000000000 is beyond the bound"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(cli, args, message):
    result = cli("solve", *args)
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [result.output.strip()]  # one line
    assert result.output.startswith(message), result.output


def test_an_exploding_query_is_refused_by_the_work_budget(cli):
    result = cli("solve", *["9"] * 12, "--target", "100", "--ops", "wild", "--max-work", "1e5")
    assert result.exit_code == 1
    assert result.output.startswith("Error: search too large: over 100,000 steps of work for 12 numbers")
    assert "raise --max-work" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        # each ran for minutes and took gigabytes before every part of the search was
        # charged to the budget; now at the largest bounds allowed they answer
        ["9", "9", "--target", "5", "--ops", "wild", "--max-depth", "8"],
        ["4", "--range", "0..50", "--ops", "wild", "--max-depth", "8"],
        ["4", "4", "4", "--target", "7", "--ops", "wild", "--all", "--limit", "1000", "--max-work", "3e5"],
    ],
)
def test_queries_at_the_largest_bounds_answer_within_the_budget(cli, args):
    result = cli("solve", *args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    if "--range" in args:
        assert len(data["found"]) + len(data["missing"]) == 51 and data["found"]["48"]
    else:
        assert data["solutions"] and all(s["verified"] and s["value"] in ("5", "7") for s in data["solutions"])


def test_bounds_options_change_the_search(cli):
    shallow = cli("solve", "2", "2", "--target", "5", "--ops", "wild", "--all", "--max-depth", "1",
                  "--limit", "1000", "--json")
    texts = {s["text"] for s in json.loads(shallow.output)["solutions"]}
    assert "ceil(sqrt((2+2)!))" not in texts  # ! then √ is two unary steps
    assert "ceil(sqrt(22))" in texts  # ⌈ ⌉ does not count
    none = cli("solve", "2", "2", "--target", "5", "--ops", "wild", "--all", "--max-depth", "0", "--limit", "1000",
               "--json")
    assert "ceil(sqrt(22))" not in {s["text"] for s in json.loads(none.output)["solutions"]}
    small = cli("solve", "4", "--target", "24", "--ops", "fact", "--max-factorial", "3")
    assert "no solution" in small.output


# ----- for puzzle fans ------------------------------------------------------------------------


def test_the_default_options_point_to_the_preset_that_solves_the_shows_teaser(cli):
    """banana solve 2 2 --target 5 said only "no solution" (classic has no negation)."""
    result = cli("solve", "2", "2", "--target", "5")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[1] == "no solution within the search bounds"
    assert lines[2] == "with --ops wild:" and lines[3].strip() == "Γ(2)÷.2"
    explained = cli("solve", "2", "2", "--target", "5", "--explain")
    assert "Γ(2) = 1" in explained.output and "1÷.2 = 5" in explained.output


def test_explain_prints_the_working_and_the_cost(cli):
    result = cli("solve", "2", "2", "--target", "5", "--ops", "wild", "--all", "--explain")
    assert result.exit_code == 0
    assert "⌈√((2+2)!)⌉    cost 10" in result.output
    for step in ("2+2 = 4", "4! = 24", "√24 ≈ 4.899", "⌈√((2+2)!)⌉ = 5"):
        assert step in result.output
    assert "distinct answers within the bounds · difficulty:" in result.output


def test_nearest_shows_decimal_values(cli):
    result = cli("solve", "2", "3", "--target", "4", "--ops", "sqrt,mul", "--nearest")
    assert "√(2×3) = sqrt(6) ≈ 2.449489743" in result.output


def test_ordered_steps_and_fewest(cli):
    year = cli("solve", "1", "9", "8", "4", "--target", "100", "--ordered", "--json")
    data = json.loads(year.output)
    assert data["ordered"] is True and data["solutions"][0]["text"] == "(1+9)^(8/4)"
    krypto = cli("solve", "24", "24", "16", "22", "25", "--target", "25", "--steps", "nonnegative",
                 "--ops", "arithmetic")
    assert "(24−24)×16×22+25" in krypto.output and "steps: nonnegative" in krypto.output
    countdown = cli("solve", "24", "24", "16", "22", "25", "--target", "25", "--integer-steps", "--ops", "arithmetic")
    assert "no solution within the search bounds" in countdown.output
    fewest = cli("solve", "1", "2", "3", "4", "5", "--target", "9", "--fewest", "--json")
    assert json.loads(fewest.output)["solutions"][0]["text"] == "4+5"


def test_range_markdown_with_the_nearest_for_each_miss(cli):
    result = cli("solve", "4", "4", "4", "4", "--range", "8..12", "--ops", "arithmetic", "--nearest", "--markdown")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[2:4] == ["| n | answer |", "|---:|---|"]
    assert lines[4] == "| 8 | `4+4+4−4` |"
    assert lines[6].startswith("| 10 | missing (nearest `") and "= 9" in lines[6]
    assert lines[-1] == "reached 3 of 5, missing 2, first missing: 10"


def test_range_text_lists_misses_with_their_nearest(cli):
    result = cli("solve", "4", "4", "4", "4", "--range", "8..12", "--ops", "arithmetic", "--nearest")
    assert "missing   nearest:" in result.output


def test_a_range_out_of_budget_shows_what_it_reached(cli):
    result = cli("solve", "4", "4", "4", "4", "--range", "0..100", "--ops", "wild", "--max-work", "3e4")
    assert result.exit_code == 0
    assert "the budget ran out: no answer costs" in result.output and "raise --max-work" in result.output


def test_markdown_target(cli):
    result = cli("solve", "3", "3", "8", "8", "--target", "24", "--ops", "arithmetic", "--markdown")
    assert result.output.splitlines()[:3] == ["**3 3 8 8 → 24** (ops: arithmetic)", "", "- `8÷(3−8÷3)`"]
