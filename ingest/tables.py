"""Task tables (序号 / 工作任务 / 牵头部门 / 配合部门 / 时间节点) in flattened text.

Two layouts occur in the corpus: one cell per line (a table copied out of a web page or .docx),
and one row per line with cells separated by ``|``. A row's 任务名称 cell may be missing when the
source merged it across rows, and a long cell may wrap onto a second line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.ingest.units import looks_like_unit_list, split_unit_list

_HEADER_CELLS: dict[str, str] = {
    "序号": "number",
    "编号": "number",
    "任务名称": "task",
    "工作任务": "task",
    "重点任务": "task",
    "主要任务": "task",
    "任务类别": "task",
    "类别": "task",
    "任务类型": "task",
    "项目": "task",
    "任务内容": "content",
    "具体任务": "content",
    "工作内容": "content",
    "工作措施": "content",
    "具体措施": "content",
    "主要内容": "content",
    "任务举措": "content",
    "目标任务": "content",
    "重点内容": "content",
    "主要工作内容": "content",
    "工作要求": "content",
    "牵头部门": "lead",
    "牵头单位": "lead",
    "牵头责任单位": "lead",
    "责任单位": "responsible",
    "责任部门": "responsible",
    "配合部门": "responsible",
    "配合单位": "responsible",
    "参与单位": "responsible",
    "协同单位": "responsible",
    "推进单位": "responsible",
    "时间节点": "deadline",
    "完成时限": "deadline",
    "完成时间": "deadline",
    "时间安排": "deadline",
    "进度安排": "deadline",
    "备注": "note",
    "参考文件": "note",
    "政策依据": "note",
}
_ROLE_COLUMNS = {"lead", "responsible"}
_ATTACHMENT = re.compile(r"^附\s*件\s*[一二三四五六七八九十\d]*\s*[:：]?\s*$")
_DEADLINE = re.compile(r"(?:\d{4}|年|月|季度|长期|持续|常态|年底|年内|前|底|完成|推进)")


@dataclass(frozen=True, slots=True)
class TableRow:
    """One task row.

    Attributes:
        number: The 序号 cell.
        task: Task name (inherited from the row above when the source merged it).
        content: Task content.
        lead: The 牵头 cell as written.
        responsible: The 配合/责任 cell as written.
        deadline: The 时间节点 cell.
        note: A 备注 / 参考文件 cell, kept in the row's text.
    """

    number: str
    task: str
    content: str
    lead: str
    responsible: str
    deadline: str
    note: str = ""

    @property
    def text(self) -> str:
        """Row text as a clause: task and content, then the roles in annotation form."""
        parts = [p for p in (self.task, self.content) if p]
        body = "：".join(parts) if len(parts) == 2 and self.task != self.content else parts[0]
        roles = []
        if self.lead:
            roles.append(f"牵头部门：{self.lead}")
        if self.responsible:
            roles.append(f"配合部门：{self.responsible}")
        if self.deadline:
            roles.append(f"时间节点：{self.deadline}")
        if self.note:
            roles.append(f"备注：{self.note}")
        return body + (f"（{'；'.join(roles)}）" if roles else "")


@dataclass(frozen=True, slots=True)
class Table:
    """A task table found in a document's lines.

    Attributes:
        start: Index of the first line that belongs to the table (its 附件 line or title).
        end: Index just past its last line.
        name: ``附件1`` when the table is an attachment, else ``""``.
        title: The line above the header, if any.
        rows: Task rows in order.
        header: The header row's cells as written (序号, 工作任务, 牵头单位 …).
    """

    start: int
    end: int
    name: str
    title: str
    rows: list[TableRow]
    header: tuple[str, ...] = ()


def find_tables(lines: list[str]) -> list[Table]:
    """Return the task tables with role columns in ``lines``."""
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        if _header_word(lines[i]) == "number":
            table = _cell_per_line_table(lines, i)
            if table is not None:
                tables.append(table)
                i = table.end
                continue
        if "|" in lines[i]:
            table = _pipe_table(lines, i)
            if table is not None:
                tables.append(table)
                i = table.end
                continue
        i += 1
    return tables


def _header_word(line: str) -> str | None:
    if len(line) > 12:
        return None
    return _HEADER_CELLS.get(line.replace(" ", "").replace("\u3000", ""))


def _cell_per_line_table(lines: list[str], start: int) -> Table | None:
    columns: list[str] = []
    i = start
    while i < len(lines) and (word := _header_word(lines[i])) is not None:
        columns.append(word)
        i += 1
    if len(columns) < 3 or not _ROLE_COLUMNS & set(columns):
        return None
    if i < len(lines) and lines[i].strip() != "1" and _ROW_TOKEN.match(lines[i].strip()):
        return _token_table(lines, start, i, columns)
    header = tuple(line.strip() for line in lines[start : start + len(columns)])
    rows: list[TableRow] = []
    expected = 1
    previous_task = ""
    while i < len(lines):
        i = _past_repeated_header(lines, i, columns)  # a page break repeats the header row
        if i >= len(lines) or lines[i].strip() != str(expected):
            break
        j = i + 1
        cells: list[str] = []
        while j < len(lines) and lines[j].strip() != str(expected + 1):
            if _ATTACHMENT.match(lines[j]) or _header_word(lines[j]) == "number":
                break
            cells.append(lines[j].strip())
            j += 1
        follows = _past_repeated_header(lines, j, columns) if j < len(lines) else j
        if follows < len(lines) and follows != j and lines[follows].strip() == str(expected + 1):
            pass  # the row ends at a repeated header, and the table goes on after it
        elif j >= len(lines) or lines[j].strip() != str(expected + 1):
            # Last row: it has at most one cell per column, plus wrapped lines.
            cells = _last_row_cells(cells, len(columns) - 1)
            j = i + 1 + len(cells)
        row = _row(
            str(expected), _merge_wrapped(cells, len(columns) - 1), columns[1:], previous_task
        )
        rows.append(row)
        previous_task = row.task
        expected += 1
        i = j
    if not rows:
        return None
    first, name, title = _table_heading(lines, start)
    return Table(first, i, name, title, rows, header)


# Rows numbered （一）（二）… under group rows (— or 二 followed by the group's title), as a .docx
# task table with merged 序号 and 工作任务 cells comes out one cell per line.
_ROW_TOKEN = re.compile(
    r"^(?:[（(][一二三四五六七八九十百]+[)）]|[一二三四五六七八九十百]+|—|-|－)$"
)
_CONTENT_ROW = re.compile(r"^[（(]([一二三四五六七八九十百]+)[)）]$")
_EMPTY_CELL = re.compile(r"^(?:——|—|-|－|/|无)$")


def _token_table(lines: list[str], start: int, i: int, columns: list[str]) -> Table | None:
    """A table whose rows are numbered （一）… in groups; a merged task cell's further rows
    (content, lead, partners again, no number) belong to the same task and number."""
    if not {"task", "content", "lead"} <= set(columns):
        return None
    rows: list[TableRow] = []
    while i < len(lines):
        i = _past_repeated_header(lines, i, columns)
        if i >= len(lines) or _ATTACHMENT.match(lines[i]):
            break
        token = lines[i].strip()
        if not _ROW_TOKEN.match(token):
            break
        j = i + 1
        cells: list[str] = []
        while j < len(lines):
            line = lines[j].strip()
            if _ROW_TOKEN.match(line) or _ATTACHMENT.match(line) or _header_word(line) == "number":
                break
            cells.append(line)
            j += 1
        content_row = _CONTENT_ROW.match(token)
        if content_row and len(cells) >= 3:
            rows.extend(_merged_rows(content_row.group(1), cells, "responsible" in columns))
        elif not content_row and len(cells) > 1:
            break  # not a group row (a group row holds its title only): the table has ended
        i = j
    if not rows:
        return None
    first, name, title = _table_heading(lines, start)
    header = tuple(line.strip() for line in lines[start : start + len(columns)])
    return Table(first, i, name, title, rows, header)


def _merged_rows(number: str, cells: list[str], partners: bool) -> list[TableRow]:
    """The task cell, then (content, lead[, partners]) once per merged row."""
    task, rest = cells[0], _join_wrapped_units(cells[1:])
    width = 3 if partners else 2
    rows = []
    for k in range(0, len(rest) - width + 1, width):
        content, lead = rest[k], rest[k + 1]
        responsible = rest[k + 2] if partners else ""
        rows.append(
            TableRow(
                number=number,
                task=task,
                content=content,
                lead="" if _EMPTY_CELL.match(lead) else lead.rstrip("、，,"),
                responsible="" if _EMPTY_CELL.match(responsible) else responsible.rstrip("、，,"),
                deadline="",
            )
        )
    return rows


def _join_wrapped_units(cells: list[str]) -> list[str]:
    """Join a unit name wrapped onto a second line (区土方工作 / 专班) back into one cell."""
    joined: list[str] = []
    for cell in cells:
        if (
            joined
            and not looks_like_unit_list(joined[-1])
            and not _EMPTY_CELL.match(joined[-1])
            and len(joined[-1]) <= 10
            and looks_like_unit_list(joined[-1] + cell)
        ):
            joined[-1] += cell
        else:
            joined.append(cell)
    return joined


def _past_repeated_header(lines: list[str], i: int, columns: list[str]) -> int:
    """The index past a repetition of the table's header row at ``i`` (else ``i`` itself)."""
    k, seen = i, list[str]()
    while (
        k < len(lines) and (word := _header_word(lines[k])) is not None and len(seen) < len(columns)
    ):
        seen.append(word)
        k += 1
    return k if seen == columns else i


def _table_heading(lines: list[str], header_start: int) -> tuple[int, str, str]:
    """Find the 附件 line and the title line just above a table header."""
    first, name, title = header_start, "", ""
    k = header_start - 1
    if k >= 0 and not _ATTACHMENT.match(lines[k]) and len(lines[k]) <= 60:
        title, first = lines[k].strip(), k
        k -= 1
    if k >= 0 and _ATTACHMENT.match(lines[k]):
        name = re.sub(r"[\s:：]", "", lines[k])
        first = k
    return first, name, title


def _last_row_cells(cells: list[str], width: int) -> list[str]:
    kept: list[str] = []
    for cell in cells:
        if len(_merge_wrapped(kept, width)) >= width and not (
            kept and kept[-1].endswith(("、", "，"))
        ):
            break
        kept.append(cell)
    return kept


def _merge_wrapped(cells: list[str], width: int) -> list[str]:
    """While a row has more lines than columns, join a line ending in a list separator to the next.

    A row with exactly one line per column is left alone even if a cell ends in a stray 、.
    """
    merged = list(cells)
    while len(merged) > width:
        at = next(
            (
                k
                for k in range(len(merged) - 1)
                if merged[k].endswith(("、", "，", ",")) or merged[k + 1].startswith(("、", "，"))
            ),
            None,
        )
        if at is None:
            break
        merged[at : at + 2] = [merged[at] + merged[at + 1]]
    return merged


def _row(number: str, cells: list[str], columns: list[str], previous_task: str) -> TableRow:
    """Assign a row's cells to columns around its content cell (the longest one).

    Cells before the content fill the columns before it from the right (a merged 任务名称 cell is
    missing from all but the first row of its group); cells after it fill the role and deadline
    columns, surplus unit lines folded into the role columns.
    """
    values: dict[str, str] = {}
    if "content" in columns and cells:
        content_at = max(
            range(len(cells)), key=lambda k: (not looks_like_unit_list(cells[k]), len(cells[k]))
        )
        c_index = columns.index("content")
        head_columns, tail_columns = columns[:c_index], columns[c_index + 1 :]
        before = cells[:content_at][-len(head_columns) :] if head_columns else []
        after = _fold(cells[content_at + 1 :], tail_columns)
        values.update(zip(head_columns[len(head_columns) - len(before) :], before, strict=True))
        values["content"] = cells[content_at]
        values.update(zip(tail_columns, after, strict=False))
    else:
        values.update(
            zip(columns[len(columns) - len(cells) :], cells[-len(columns) :], strict=False)
        )
    task = values.get("task") or previous_task
    lead = values.get("lead", "").rstrip("、，,")
    responsible = values.get("responsible", "").rstrip("、，,")
    if "lead" not in columns and len(split_unit_list(responsible)) == 1:
        lead, responsible = responsible, ""  # one unit in charge of the row leads it
    return TableRow(
        number=number,
        task=task,
        content=values.get("content", ""),
        lead=lead,
        responsible=responsible,
        deadline=values.get("deadline", ""),
        note=values.get("note", ""),
    )


def _fold(cells: list[str], columns: list[str]) -> list[str]:
    """Fold surplus unit lines into the role columns so ``cells`` fits ``columns``."""
    if len(cells) <= len(columns):
        return cells
    deadline = (
        cells[-1] if columns and columns[-1] == "deadline" and _DEADLINE.search(cells[-1]) else None
    )
    units = cells[:-1] if deadline is not None else cells
    role_columns = [c for c in columns if c in _ROLE_COLUMNS]
    if len(role_columns) == 2 and len(units) > 2:
        # The first column took the wrapped lines: all but the last belong to the lead cell.
        units = ["、".join(units[:-1]), units[-1]]
    return units + ([deadline] if deadline is not None else [])


def _pipe_table(lines: list[str], start: int) -> Table | None:
    header = [re.sub(r"\s+", "", c) for c in lines[start].strip().strip("|").split("|")]
    columns = [_HEADER_CELLS.get(c) for c in header]
    if columns.count(None) > 1 or "number" not in columns or not _ROLE_COLUMNS & set(columns):
        return None
    rows: list[TableRow] = []
    i = start + 1
    previous_task = ""
    while i < len(lines) and "|" in lines[i]:
        cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
        i += 1
        if set("".join(cells)) <= set("-: "):
            continue  # markdown separator row
        values = dict(zip(columns, cells, strict=False))
        number = values.get("number", "")
        if not number or not number.isdigit():
            continue
        task = values.get("task") or previous_task
        previous_task = task
        rows.append(
            TableRow(
                number=number,
                task=task,
                content=values.get("content", "") or "",
                lead=(values.get("lead") or "").rstrip("、，,"),
                responsible=(values.get("responsible") or "").rstrip("、，,"),
                deadline=values.get("deadline", "") or "",
            )
        )
    if not rows:
        return None
    first, name, title = _table_heading(lines, start)
    return Table(first, i, name, title, rows, tuple(header))
