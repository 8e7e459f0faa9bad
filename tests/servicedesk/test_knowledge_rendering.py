from servicedesk.knowledge.rendering import (
    MARK_END,
    MARK_START,
    html_to_text,
    marked_snippet_html,
    render_markdown,
    substring_snippet,
)


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Before\n\n<script>alert('owned')</script>\n\nAfter")

    assert "<script" not in html
    assert "alert" not in html
    assert "Before" in html and "After" in html


def test_event_handler_attributes_are_removed():
    html = render_markdown(
        'Look: <img src="https://example.com/x.png" onerror="alert(1)"> '
        '<a href="https://example.com" onclick="steal()">here</a> '
        '<p onmouseover="alert(2)">hover</p>'
    )

    assert "onerror" not in html
    assert "onclick" not in html
    assert "onmouseover" not in html
    assert 'src="https://example.com/x.png"' in html


def test_javascript_links_lose_their_target_but_keep_their_text():
    html = render_markdown(
        "[click me](javascript:alert(document.cookie)) and "
        '<a href="JaVaScRiPt:alert(1)">raw</a> and [data](data:text/html;base64,PHNjcmlwdD4=)'
    )

    assert "javascript" not in html.lower()
    assert "data:text" not in html
    assert "click me" in html and "raw" in html


def test_ordinary_links_are_kept_and_do_not_leak_the_opener():
    html = render_markdown(
        "See [the VPN guide](https://intranet.example.com/vpn) or [the form](/portal/)."
    )

    assert '<a href="https://intranet.example.com/vpn" rel="noopener noreferrer">' in html
    assert '<a href="/portal/" rel="noopener noreferrer">the form</a>' in html


def test_tables_keep_their_alignment_but_no_other_styling():
    html = render_markdown(
        "| Printer | Floor |\n|:--|--:|\n| PRN-3 | 3 |\n\n"
        '<table><tr><td style="position:fixed; top:0; text-align:center">x</td></tr></table>'
    )

    assert "<table>" in html and "<th" in html and "<td" in html
    assert 'style="text-align:left"' in html
    assert "position" not in html
    assert "text-align:center" in html


def test_code_blocks_are_kept_and_their_content_is_escaped():
    html = render_markdown('```\n<script>alert("x")</script>\nnet use P: \\\\srv\\print\n```')

    assert "<pre><code>" in html
    assert "&lt;script&gt;" in html
    assert "<script" not in html


def test_style_iframe_and_form_elements_are_dropped():
    html = render_markdown(
        "<style>body{display:none}</style><iframe src='https://evil.example'></iframe>"
        "<form action='https://evil.example'><input name='password'></form>text"
    )

    assert "<style" not in html and "display:none" not in html
    assert "<iframe" not in html
    assert "<form" not in html and "<input" not in html
    assert "text" in html


def test_plain_text_separates_blocks_and_decodes_entities():
    text = html_to_text(render_markdown("# Printing\n\nUse **PRN-3** & not PRN-2\n\n- one\n- two"))

    assert text == "Printing Use PRN-3 & not PRN-2 one two"


def test_snippets_escape_the_article_text_and_mark_only_the_matches():
    raw = f"Run {MARK_START}vpn{MARK_END} <script>alert(1)</script>"

    html = marked_snippet_html(raw)

    assert html == "Run <mark>vpn</mark> &lt;script&gt;alert(1)&lt;/script&gt;"


def test_substring_snippet_shows_the_text_around_the_first_match():
    text = "Intro. " * 60 + "Connect the VPN client before opening Outlook. " + "Outro. " * 60

    snippet = substring_snippet(text, ["vpn"])

    assert f"{MARK_START}VPN{MARK_END} client" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")


def test_substring_snippet_cuts_between_words():
    text = "Intro sentence here. " * 30 + "Connect the VPN client. " + "Closing words follow. " * 30

    snippet = substring_snippet(text, ["vpn"]).removeprefix("… ").removesuffix(" …")

    words = set(text.split())
    assert all(
        word in words for word in snippet.replace(MARK_START, "").replace(MARK_END, "").split()
    )
