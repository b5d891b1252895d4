"""The policy renders back into the appendices people read."""

from __future__ import annotations

from harbour.policy import load_policy
from harbour.policy.render import render_html, render_markdown
from tests.paths import SAMPLE_POLICY


def test_markdown_shows_every_activity_row_with_its_levels() -> None:
    policy = load_policy(SAMPLE_POLICY)
    text = render_markdown(policy)
    header = "| User actions | Lists | Acceptable | Acceptable at certain times | Acceptable for nominated users | Unacceptable | Unacceptable and illegal |"
    assert header in text
    for activity in policy.activities.values():
        row = next(line for line in text.splitlines() if line.startswith(f"| {activity.title} |"))
        assert ", ".join(activity.lists) in row
    gaming = next(line for line in text.splitlines() if line.startswith("| Online gaming (non-educational) |"))
    cells = [c.strip() for c in gaming.split("|")[1:-1]]
    assert cells[3].startswith("Staff: lunch (Mon-Fri 12:00-13:00); after-school (Mon-Fri 15:30-18:00)")
    assert "Pupils" in cells[5]
    video = next(line for line in text.splitlines() if line.startswith("| Use of video broadcasting"))
    assert "Pupils: Digital Leaders" in video.split("|")[5]


def test_markdown_has_the_device_sanctions_and_training_tables() -> None:
    text = render_markdown(load_policy(SAMPLE_POLICY))
    for heading in ("## Device access", "## Actions and sanctions: pupils", "## Actions and sanctions: staff",
                    "## Training", "## Acceptable use agreements"):
        assert heading in text
    assert "| Designated Safeguarding Lead training | dsl, deputy-dsl | Yes | every 24 months |" in text


def test_html_escapes_the_schools_words() -> None:
    policy = load_policy(SAMPLE_POLICY)
    hostile = policy.model_copy(update={"school": policy.school.model_copy(update={"name": "<script>x</script>"})})
    assert "<script>x" not in render_html(hostile)
