"""The grade-over-time chart's geometry: time to x, grade to band, ticks, gaps, the text version."""

from datetime import UTC, datetime, timedelta

from webui.charts import ChartScan, grade_chart, time_ticks

START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return START + timedelta(days=days, hours=hours)


def test_time_runs_left_to_right_in_proportion():
    chart = grade_chart(
        [ChartScan(at(0), "C", 70), ChartScan(at(1), "B", 80), ChartScan(at(10), "A", 95)]
    )
    first, second, last = (dot.x for dot in chart.dots)
    assert first < second < last
    assert (second - first) * 10 == round(last - first, 1) or abs(
        (second - first) * 10 - (last - first)
    ) < 0.1
    assert chart.left < first and last < chart.right


def test_each_grade_sits_in_its_band_with_a_plus_on_top():
    chart = grade_chart([ChartScan(at(0), "F", 10), ChartScan(at(1), "A+", 100)])
    assert [band.letter for band in chart.bands] == ["A+", "A", "B", "C", "D", "F"]
    low, high = chart.dots
    assert high.y < low.y
    for dot in chart.dots:
        band = next(b for b in chart.bands if b.letter == dot.letter)
        assert band.y < dot.y < band.y + band.height
    assert chart.bands[0].y == chart.top
    assert round(chart.bands[-1].y + chart.bands[-1].height, 1) == chart.bottom
    assert high.slug == "a-plus" and "100/100" in high.title


def test_a_scan_that_reached_nothing_breaks_the_line_and_is_marked():
    scans = [
        ChartScan(at(0), "C", 70),
        ChartScan(at(1), "B", 80),
        ChartScan(at(2), None),
        ChartScan(at(3), "B", 80),
        ChartScan(at(4), "A", 92),
    ]
    chart = grade_chart(scans)
    assert len(chart.dots) == 4
    assert len(chart.misses) == 1
    assert chart.dots[1].x < chart.misses[0].x < chart.dots[2].x
    assert len(chart.lines) == 2
    assert all(len(line.split()) == 2 for line in chart.lines)
    assert "1 scan could not reach the site" in chart.summary
    assert chart.misses[0].title == "Could not reach the site, 3 Dec 2026, 09:30 UTC"


def test_a_lone_graded_scan_between_misses_draws_no_line():
    chart = grade_chart([ChartScan(at(0), None), ChartScan(at(1), "B"), ChartScan(at(2), None)])
    assert chart.lines == ()
    assert len(chart.dots) == 1 and len(chart.misses) == 2


def test_fewer_than_two_scans_make_no_chart():
    assert grade_chart([]) is None
    assert grade_chart([ChartScan(at(0), "A")]) is None


def test_scans_made_at_the_same_moment_still_get_an_axis():
    chart = grade_chart([ChartScan(at(0), "B"), ChartScan(at(0), "C")])
    assert chart.dots[0].x == chart.dots[1].x
    assert chart.left < chart.dots[0].x < chart.right
    assert chart.ticks, "an hour around them shows at least one tick"


def test_the_summary_tells_the_story_in_words():
    chart = grade_chart([ChartScan(at(0), "D"), ChartScan(at(5), "A+"), ChartScan(at(9), "B")])
    assert chart.summary == (
        "Grade over time: 3 scans, 1 Dec 2026 to 10 Dec 2026. "
        "The first graded D, the latest B; best A+, worst D."
    )


def test_ticks_fall_on_round_times_and_never_crowd():
    for end, most in (
        (at(hours=5), 8),
        (at(3), 8),
        (at(40), 8),
        (at(400), 6),
        (at(4000), 8),
        (at(40), 3),
    ):
        ticks = time_ticks(START, end, most)
        assert 1 <= len(ticks) <= most, (end, ticks)
        assert all(START <= when <= end for when, _, _ in ticks)
        assert all(when.minute == 0 and when.second == 0 for when, _, _ in ticks)


def test_tick_labels_name_the_larger_unit_where_it_changes():
    hours = time_ticks(
        datetime(2026, 12, 1, 20, tzinfo=UTC), datetime(2026, 12, 2, 6, tzinfo=UTC), 8
    )
    assert [label for _, label, _ in hours] == ["21:00", "00:00", "03:00", "06:00"]
    assert [context for _, _, context in hours] == ["1 Dec", "2 Dec", "", ""]

    days = time_ticks(datetime(2026, 12, 30, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC), 8)
    assert [label for _, label, _ in days] == ["30 Dec", "31 Dec", "1 Jan", "2 Jan"]
    assert [context for _, _, context in days] == ["2026", "", "2027", ""]

    months = time_ticks(datetime(2026, 3, 5, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), 6)
    assert [label for _, label, _ in months] == ["Apr", "Jul", "Oct", "Jan"]
    assert [when.day for when, _, _ in months] == [1, 1, 1, 1]


def test_weeks_start_on_mondays():
    ticks = time_ticks(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 20, tzinfo=UTC), 8)
    assert all(when.weekday() == 0 for when, _, _ in ticks)
    assert 4 <= len(ticks) <= 8


def test_a_narrow_chart_gets_fewer_ticks():
    scans = [ChartScan(at(0), "B"), ChartScan(at(60), "A")]
    wide, narrow = grade_chart(scans, width=720), grade_chart(scans, width=340)
    assert len(narrow.ticks) < len(wide.ticks)
    assert all(narrow.left <= tick.x <= narrow.right for tick in narrow.ticks)
