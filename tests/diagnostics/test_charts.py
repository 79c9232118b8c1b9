"""The SVG charts: labelled values, a text alternative, escaped names, any sign."""

import re
from decimal import Decimal

from diagnostics import charts


def fmt(value):
    return f"{value:.0f}"


def test_horizontal_bars_carry_labels_values_and_a_text_alternative():
    svg = charts.horizontal_bars(
        title="Places — communes",
        bars=[("Cahors", Decimal(214)), ("Pradines", Decimal(42))],
        unit="places",
        formatter=fmt,
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    title_id = re.search(r'aria-labelledby="([^ ]+) ', svg).group(1)
    assert f'<title id="{title_id}">Places — communes</title>' in svg
    assert "<desc" in svg and "Cahors : 214 places ; Pradines : 42 places" in svg
    assert svg.count('class="chart-bar"') == 2
    assert ">214</text>" in svg and ">Cahors</text>" in svg
    # The longest bar takes the whole bar area; the other is in proportion.
    widths = re.findall(r'class="chart-bar" x="[\d.]+%" y="\d+" width="([\d.]+)%"', svg)
    assert [float(width) for width in widths] == [charts.BAR_AREA, round(42 / 214 * charts.BAR_AREA, 2)]


def test_names_are_escaped():
    svg = charts.horizontal_bars(title="<b>t</b>", bars=[("<script>x</script>", Decimal(1))], unit="", formatter=fmt)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg


def test_columns_show_each_year_and_value():
    svg = charts.columns(
        title="Évolution", columns=[("2018", Decimal(318)), ("2019", Decimal(330))], unit="", formatter=fmt
    )
    assert ">2018</text>" in svg and ">330</text>" in svg
    assert svg.count('class="chart-bar"') == 2


def test_negative_values_and_all_zero_values_draw_without_error():
    svg = charts.columns(title="Solde", columns=[("2018", Decimal(-5)), ("2019", Decimal(10))], unit="", formatter=fmt)
    assert ">-5</text>" in svg
    assert "chart-bar" in charts.horizontal_bars(
        title="Zéros", bars=[("A", Decimal(0)), ("B", Decimal(0))], unit="", formatter=fmt
    )
