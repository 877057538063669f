"""Front matter and web clutter: what surrounds a policy's text but is not part of it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Front-matter keys that become policy metadata, and the field each one fills.
FRONT_MATTER_FIELDS: dict[str, str] = {
    "标题": "title",
    "title": "title",
    "文号": "doc_number",
    "发文字号": "doc_number",
    "发布单位": "issuer",
    "发文机关": "issuer",
    "发文单位": "issuer",
    "issuer": "issuer",
    "发布日期": "date",
    "成文日期": "date",
    "日期": "date",
    "date": "date",
    "辖区": "jurisdiction",
    "jurisdiction": "jurisdiction",
}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """Metadata given at the top of a file in a YAML-like block.

    Attributes:
        fields: Known fields mapped to their meaning (``title``, ``doc_number``, ``issuer``,
            ``date``, ``jurisdiction``).
        extra: Every other key and value, as given.
    """

    fields: dict[str, str]
    extra: tuple[tuple[str, str], ...]


_FRONT_MATTER = re.compile(r"\A\ufeff?\s*---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_KEY_VALUE = re.compile(r"^\s*([^:：\n]{1,20}?)\s*[:：]\s*(.*?)\s*$")


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Separate a leading ``---`` block of ``key: value`` lines from the body.

    Returns:
        The front matter (empty when there is none) and the remaining text.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return FrontMatter({}, ()), text
    fields: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for line in match.group(1).split("\n"):
        kv = _KEY_VALUE.match(line)
        if not kv:
            continue
        key, value = kv.group(1).strip(), kv.group(2).strip().strip("\"'")
        if not value:
            continue
        meaning = FRONT_MATTER_FIELDS.get(key.lower()) or FRONT_MATTER_FIELDS.get(key)
        if meaning and meaning not in fields:
            fields[meaning] = value
        else:
            extra.append((key, value))
    return FrontMatter(fields, tuple(extra)), text[match.end() :]


# Whole lines that are page chrome or scraper residue, never policy text.
_CLUTTER_LINE = re.compile(
    r"""^(?:
        前言[:：].{0,200}(?:灵感|阅读|分享|范文|参考).*   # essay-site preface (seed document)
      | 下载 | 打印 | 全屏 | 收藏 | 分享 | 关闭 | 关闭窗口 | 打印本页 | 返回顶部
      | 【?\s*字号[:：]?\s*(?:[大中小]\s*)*】? | 加大 | 还原 | 减小 | 】 | 【
      | 【法宝引证码】.* | 原文链接[:：].* | 来源[:：]\s*\S{0,30} | 浏览次数[:：].* | 阅读次数[:：].*
      | 扫一扫.* | 分享到[:：]?.* | 责任编辑[:：].* | 【打印】.* | \[?打印\]?\s*\[?关闭\]?
      | <!--.*?--> | >\s*本文正文由脚本.* | >\s*依《中华人民共和国著作权法》.*
      | 相关(?:文章|阅读|推荐)[:：]?
    )\s*$""",
    re.VERBOSE,
)


def drop_clutter(text: str) -> str:
    """Remove web-page chrome and scraper notes, keeping every line of policy text.

    Markdown heading marks are removed too (``## 第一章 总则`` -> ``第一章 总则``).
    """
    kept: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("#"):
            stripped = stripped.lstrip("#").strip()
        if stripped and _CLUTTER_LINE.match(stripped):
            continue
        kept.append(stripped)
    return "\n".join(kept)
