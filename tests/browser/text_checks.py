"""What the browser tests measure about text on screen: cut labels, split words, font sizes."""

from __future__ import annotations

from playwright.sync_api import Page

LABELS = ", ".join(
    [
        '[data-testid="stWidgetLabel"]',
        '[data-testid="stMetricLabel"]',
        '[data-testid="stMetricValue"]',
        '[data-testid="stSidebarNavLink"]',
        '[data-testid="stButton"] button',
        '[data-testid="stRadioOption"]',
        '[data-testid="stExpander"] summary',
        "table.lab th",
        "table.lab td",
    ]
)
"""Labels and numbers: they wrap at spaces only, and never behind an ellipsis."""

_CUT_AND_SPLIT = """
(selector) => {
  const cut = [], split = [];
  const visible = (el) => el.getClientRects().length > 0;
  for (const box of document.querySelectorAll(selector)) {
    if (!visible(box)) continue;
    for (const el of [box, ...box.querySelectorAll('*')]) {
      const style = getComputedStyle(el);
      if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
        cut.push(el.innerText.trim());
    }
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const words = /\\S+/g;
      let m;
      while ((m = words.exec(node.textContent))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()]
          .filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
        if (lines.size > 1) split.push(m[0]);
      }
    }
  }
  return {cut, split};
}
"""

_METRIC_VALUES = """
() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].map((value) => {
  const range = document.createRange();
  range.selectNodeContents(value);
  const lines = new Set([...range.getClientRects()]
    .filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
  const box = value.getBoundingClientRect();
  const text = range.getBoundingClientRect();
  return {
    text: value.innerText.trim(),
    lines: lines.size,
    inside: text.left >= box.left - 1 && text.right <= box.right + 1,
  };
})
"""

_FONT_SIZES = """
() => {
  const sizes = {values: [], others: []};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.getClientRects().length) continue;
    if (el.closest('[data-testid="stMain"] h1, script, style, title')) continue;
    const hidden = el.closest('[aria-hidden="true"], details:not([open]) > :not(summary)');
    if (hidden) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const where = el.closest('[data-testid="stMetricValue"]') ? 'values' : 'others';
    sizes[where].push([size, node.textContent.trim().slice(0, 40)]);
  }
  return sizes;
}
"""


def cut_and_split(page: Page, selector: str = LABELS) -> dict[str, list[str]]:
    """Return the labels cut short by an ellipsis and the words split over two lines."""
    return page.evaluate(_CUT_AND_SPLIT, selector)


def metric_values(page: Page) -> list[dict]:
    """Return each metric value's text, how many lines it takes and whether it fits its box."""
    return page.evaluate(_METRIC_VALUES)


def font_sizes(page: Page) -> dict[str, list[tuple[float, str]]]:
    """Return ``(px, text)`` of the metric values and of every other visible text.

    The page title (the main column's ``h1``) is left out: it stands alone at
    the top of the page, above every number.
    """
    return page.evaluate(_FONT_SIZES)
