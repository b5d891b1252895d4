"""The block page pupils see: what was blocked and why in plain words, and access requests
for staff only."""

from __future__ import annotations

from tests.fixtures import sign_in


def page(client, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/blocked?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_pupil_reads_the_activity_and_why_in_plain_words(school, client) -> None:
    html = page(
        client,
        url="http://games.example.com/play",
        category="games",
        rule="activities.online-gaming:pupils",
        reason="x",
    )
    assert "games.example.com" in html
    assert "Online gaming (non-educational)" in html
    assert "does not allow this in school" in html
    assert "Request access" not in html


def test_at_certain_times_names_the_windows(school, client) -> None:
    html = page(
        client, url="http://maths.example.com/", rule="activities.online-gaming-educational:pupils"
    )
    assert (
        "Online gaming (educational)" in html
        and "only allows this at certain times: lunch, after school" in html
    )


def test_the_locked_tier_gets_a_calm_cannot_be_unblocked_message_and_no_request_form(
    school, client
) -> None:
    sign_in(client, school["bob"])
    html = page(client, url="http://illegal.example.net/", rule="locked.iwf", category="iwf")
    assert "cannot be unblocked" in html and "You are not in trouble" in html
    assert "Request access" not in html and "illegal.example.net" not in html


def test_words_in_the_link_never_reach_the_page(school, client) -> None:
    html = page(
        client,
        url="http://x.example.com/",
        rule="activities.nope:all",
        reason="Call%200800%20000%20000%20to%20unlock",
    )
    assert "Call 0800" not in html and "Blocked by the school" in html


def test_signed_in_staff_are_offered_the_request_form_prefilled(school, client) -> None:
    sign_in(client, school["carol"])
    html = page(
        client, url="http://blocked.example.org/page", rule="activities.school-blocklist:all"
    )
    assert "Request access" in html and 'value="blocked.example.org"' in html
    form = client.get(
        "/filtering/request/?domain=blocked.example.org&url=http://blocked.example.org/page"
    )
    assert 'value="blocked.example.org"' in form.content.decode()


def test_signed_out_visitors_are_invited_to_sign_in_and_governors_get_no_form(
    school, client
) -> None:
    assert "sign in</a> to request access" in page(client, url="http://games.example.com/")
    sign_in(client, school["gina"])
    assert "Request access" not in page(client, url="http://games.example.com/")


def test_the_request_form_starts_with_the_blocked_category_chosen(school, client) -> None:
    sign_in(client, school["bob"])
    assert 'name="category" value="games"' in page(
        client, url="http://games.example.com/", category="games"
    )
    form = client.get(
        "/filtering/request/?domain=games.example.com&category=games"
    ).content.decode()
    assert '<option value="games" selected>' in form
