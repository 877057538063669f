"""Roles stated in sentences (prose, regulations) and in duty-section headings."""

from __future__ import annotations

import pytest

from policykg.ingest.model import RoleSource
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import DocumentFormat, RawDocument
from policykg.ingest.statements import read_statements
from policykg.ingest.structure import duty_heading_units


def roles(text: str) -> tuple[list[str], list[str]]:
    found = read_statements(text)
    return (
        [u.name for s in found for u in s.leads],
        [u.name for s in found for u in s.responsible],
    )


@pytest.mark.parametrize(
    ("sentence", "leads", "responsible"),
    [
        # 由X牵头，Y配合: X leads, Y shares (徐汇 dev/010).
        ("其余单位生活垃圾分类推进由街镇牵头，区绿化市容局配合落实。", ["街镇"], ["区绿化市容局"]),
        # One unit in charge leads (柳河 dev/021); each 负责 of its own.
        (
            "县商务局负责新建重点产业项目相关工作，县工信局负责技改重点产业项目相关工作。",
            ["县商务局", "县工信局"],
            [],
        ),
        # X会同Y…: X leads, Y shares (安徽 dev/003).
        (
            "省经济和信息化厅会同省财政厅等单位制定具体实施细则。",
            ["省经济和信息化厅"],
            ["省财政厅"],
        ),
        # The competent department of a regulation leads; the level in brackets is its name.
        (
            "县（市）城市绿化主管部门负责本行政区域内的城市绿化管理工作。",
            ["县（市）城市绿化主管部门"],
            [],
        ),
        # Several units with no lead marked all share.
        (
            "区建管委、区交通委、区水务局按照各自职责做好相关工作。",
            [],
            ["区建管委", "区交通委", "区水务局"],
        ),
        # X配合Y…: the unit helped leads, the helper shares (上海 009); 和 between two bodies splits
        # them, a body after 和 without a level takes the first one's, 及其有关部门 is the first
        # body's level's 有关部门.
        (
            "市人民政府及其有关部门应当配合中央金融管理部门和国家发展改革、商务等部门完善产品序列。",
            ["中央金融管理部门", "国家发展改革部门", "国家商务部门"],
            ["市人民政府", "市有关部门"],
        ),
        (
            "市住房和城乡建设、交通运输、应急管理部门和公安机关应当会同有关部门制定应急预案。",
            ["市住房和城乡建设部门", "市交通运输部门", "市应急管理部门", "市公安机关"],
            ["有关部门"],
        ),
        # A list standing alone before the comma shares (秀山 004, 长春 008); 等相关主管部门 is
        # written out item by item (济南 007); X应当对…负责: X leads.
        (
            "自治县发展改革、公安、气象等部门，依法在各自职责范围内实施监督管理。",
            [],
            ["自治县发展改革部门", "自治县公安部门", "自治县气象部门"],
        ),
        (
            "市发展和改革、公安、财政等部门，按照各自职责做好监督管理工作。",
            [],
            ["市发展和改革部门", "市公安部门", "市财政部门"],
        ),
        (
            "消防、文物、人防等相关主管部门应当在各自职责范围内制定相应的保障方案。",
            [],
            ["消防主管部门", "文物主管部门", "人防主管部门"],
        ),
        ("自治县人民政府应当对梅江河流域水环境质量负责。", ["自治县人民政府"], []),
        # A body set up by a sentence leads what it is set up for (普陀 012); one set up by a
        # lead unit (X牵头成立Y，负责…) leaves X leading (青浦 013). 依职责 is 按照职责.
        (
            "成立我区停车共享专项工作领导小组，负责组织、指导全区停车共享工作。",
            ["停车共享专项工作领导小组"],
            [],
        ),
        ("区规划资源局牵头成立区土方规划工作小组，负责区内消纳场所排摸。", ["区规划资源局"], []),
        ("各有关部门要依职责做好改革措施的细化分解。", [], ["各有关部门"]),
        # A list qualified by the government whose departments they are (彭水); the one a
        # government empowers (阿坝 034).
        (
            "自治县人民政府交通、公安、水利等部门按照各自职责，做好矿产资源保护工作。",
            [],
            ["自治县人民政府交通部门", "自治县人民政府公安部门", "自治县人民政府水利部门"],
        ),
        ("州人民政府授权州数据资源主管部门负责全州政务数据管理工作。", ["州数据资源主管部门"], []),
        # A street office is no township's; 乡（镇） is one name; 其他有关部门 stays as written.
        (
            "乡（镇）人民政府、街道办事处应当按照各自职责做好相关工作。",
            [],
            ["乡（镇）人民政府", "街道办事处"],
        ),
        (
            "市人民政府及其他有关部门应当按照各自职责做好工作。",
            [],
            ["市人民政府", "其他有关部门"],
        ),
        # The subject comes before 应当; 联合 as a noun (联合执法制度) gives nobody a role.
        ("乡镇人民政府应当根据所在地实际负责组织实施。", ["乡镇人民政府"], []),
        ("海关总署要继续做好牵头工作，进一步优化区域布局。", ["海关总署"], []),  # X要…牵头
        ("市人民政府应当建立公安、城市管理等主管部门的联合执法制度。", [], []),
        # The same department at several levels, each in charge of its own area: each leads.
        (
            "市、县（市、区）城市管理主管部门负责本行政区域内的扬尘污染防治监督管理工作。",
            ["市城市管理主管部门", "县（市、区）城市管理主管部门"],
            [],
        ),
        # No role: anyone (有关单位和个人), a body's description (负责…的部门), a definition (是指),
        # a verb that ends like a body (承办) (bulk hand check 046dc8c).
        ("有关单位和个人应当予以配合。", [], []),
        ("县级以上人民政府负责侨务工作的部门应当做好归侨侨眷权益保护工作。", [], []),
        ("高档洗浴场所，是指市商务部门会同有关部门制定的目录内的场所。", [], []),
        ("有关部门承办具体工作。", [], []),
        # 会同 partners up to where the list ends (a name with 管理 in it, 在沪机构, a bracket).
        (
            "市地方金融部门应当会同中央金融管理部门在沪机构和市商务、市场监管等部门建立联合工作机制。",
            ["市地方金融部门"],
            ["中央金融管理部门在沪机构", "市商务部门", "市市场监管部门"],
        ),
        (
            "自治县渔业主管部门应当会同公安、市场监督管理等部门，建立健全执法监管机制。",
            ["自治县渔业主管部门"],
            ["公安部门", "市场监督管理部门"],
        ),
        # A list sharing its qualifier or its ending is written out item by item; 和 stays inside
        # a department's name (济南 007, 秀山 004).
        (
            "市、县自然资源和规划主管部门应当会同同级文物、住房和城乡建设主管部门编制保护图则。",
            ["市自然资源和规划主管部门", "县自然资源和规划主管部门"],
            ["同级文物主管部门", "同级住房和城乡建设主管部门"],
        ),
        (
            "自治县发展改革、水利、气象等部门按照各自职责做好相关工作。",
            [],
            ["自治县发展改革部门", "自治县水利部门", "自治县气象部门"],
        ),
        # X是…主管部门，负责…: the body the sentence defines; 经X会同Y审核: X leads; a place before
        # 的 is not part of the name; 联合 reads as 会同 (嘉定, 洛阳, 青浦 formats).
        (
            "市交通运输主管部门是城市轨道交通行业主管部门，负责运营的监督管理工作。",
            ["市交通运输主管部门"],
            [],
        ),
        ("经市交通运输主管部门会同市财政局审核。", ["市交通运输主管部门"], ["市财政局"]),
        ("城市轨道交通沿线的县人民政府应当协助做好相关工作。", [], ["县人民政府"]),
        ("区绿化市容局联合区城管执法局开展执法检查。", ["区绿化市容局"], ["区城管执法局"]),
        # Kinds of error the hand check of the bulk set found: a partner glued to the verb after
        # it, a 市 that begins 市场监管, an ending doubled, two bodies joined by 或者.
        ("由县级以上宗教事务部门会同有关部门责令改正。", ["县级以上宗教事务部门"], ["有关部门"]),
        ("市场监管、建设等部门按照各自职责做好工作。", [], ["市场监管部门", "建设部门"]),
        (
            "市发展和改革、水行政等行政主管部门按照各自职责做好工作。",
            [],
            ["市发展和改革行政主管部门", "市水行政主管部门"],
        ),
        ("区人民政府或者街道办事处负责组织实施。", [], ["区人民政府", "街道办事处"]),
        # Not government units: a builder, a company, a bare 政府.
        ("建设单位负责清运建筑垃圾。", [], []),
        ("物业服务企业负责小区内的收集。", [], []),
        ("政府负责兜底保障。", [], []),
        # 负责人 is a person, not a role.
        ("区交通委负责人参加会议。", [], []),
    ],
)
def test_a_sentence_gives_the_roles_it_states(
    sentence: str, leads: list[str], responsible: list[str]
) -> None:
    assert roles(sentence) == (leads, responsible)


@pytest.mark.parametrize(
    ("heading", "units"),
    [
        ("区交通委", ("区交通委",)),
        ("区房管局。负责本区历史风貌区内房屋的安全管理", ("区房管局",)),
        ("虹口区绿化和市容管理局", ("虹口区绿化和市容管理局",)),  # 和 inside a name
        ("区公安分局（交管）", ("区公安分局",)),  # an alias after the name
        ("城管执法部门", ("城管执法部门",)),
        # Several units head one section: each of them (they share its duties).
        (
            "区建管委、区交通委、区水务局、区房管局等建设主管部门",
            ("区建管委", "区交通委", "区水务局", "区房管局", "建设主管部门"),
        ),
        ("各街镇、经开区", ("各街镇", "经开区")),
        ("物业服务企业", ()),
        ("加强组织领导", ()),
        ("聚力打造区域科技创新中心", ()),  # a task, though it ends as a body's name does
        ("建设多元办学格局", ()),
        ("成立联合采购办公室", ()),
        ("关于仲裁委员会", ()),
        ("努力建设人民满意的服务型政府", ()),
        # Headings of regulations' chapters and articles in the bulk set: not units.
        ("其他规定", ()),
        ("会议的举行", ()),
        ("本条例自公布之日起施行", ()),
        ("组织机构", ()),
        ("有关部门", ()),
    ],
)
def test_a_duty_section_heading_names_its_units(heading: str, units: tuple[str, ...]) -> None:
    assert duty_heading_units(heading) == units


DUTIES = """关于加强停车管理的实施意见
一、总体要求
加强停车资源共享，由区交通委牵头，区建管委配合，建立工作机制。
二、职责分工
（一）区交通委
1.负责停车资源共享的统筹协调。
2.配合区建管委做好停车场备案。
（二）区财政局。负责保障停车资源共享所需经费。
"""

REGULATION = """某市城市绿化条例
第一条　为了促进城市绿化事业的发展，制定本条例。
第二条　市城市绿化主管部门负责本市城市绿化工作的统一监督管理。
第三条　市城市绿化主管部门应当会同市自然资源主管部门组织编制城市绿地系统规划。
"""


def test_a_policy_records_where_each_role_came_from() -> None:
    policy = parse_document(RawDocument("duties.txt", DocumentFormat.TEXT, DUTIES))
    by_number = {(c.section_number, c.number): c for c in policy.clauses}
    prose = by_number[("一", "1")]
    assert prose.lead_units == ("区交通委",) and prose.responsible_units == ("区建管委",)
    assert {r.source for r in prose.role_sources} == {RoleSource.PROSE}
    assert "由区交通委牵头" in prose.role_sources[0].sentence
    first, second = by_number[("二", "1")], by_number[("二", "2")]
    assert first.lead_units == ("区交通委",) and first.source_of("区交通委") is RoleSource.SECTION
    assert second.responsible_units == ("区交通委",)  # a duty that only assists: it shares
    finance = by_number[("二", "二")]
    assert finance.lead_units == ("区财政局",)


def test_the_articles_of_a_regulation_give_regulation_roles() -> None:
    policy = parse_document(RawDocument("regulation.txt", DocumentFormat.TEXT, REGULATION))
    second, third = policy.clauses[1], policy.clauses[2]
    assert second.lead_units == ("市城市绿化主管部门",)
    assert second.source_of("市城市绿化主管部门") is RoleSource.REGULATION
    assert third.lead_units == ("市城市绿化主管部门",)
    assert third.responsible_units == ("市自然资源主管部门",)


TABLE_WITH_REPEATED_HEADER = """关于推进海绵城市建设的实施意见
一、工作目标
到2025年底，建成区40%以上面积达到海绵城市要求。
附件：重点任务分解表
序号
任务类型
重点内容
责任单位
1
建设管理
区建设管理委负责统筹推进海绵城市建设工作。
区建设管理委
2
系统方案
编制海绵城市系统方案，明确建设项目。
区规划资源局、区水务局
序号
任务类型
重点内容
责任单位
3
道路建设
新建道路落实海绵城市建设要求。
区交通委
"""


def test_a_table_goes_on_after_a_repeated_header() -> None:
    policy = parse_document(
        RawDocument("table.txt", DocumentFormat.TEXT, TABLE_WITH_REPEATED_HEADER)
    )
    rows = [c for c in policy.clauses if c.role_sources and c.role_sources[0].source == "table"]
    assert [c.number for c in rows] == ["1", "2", "3"]
    # A 责任单位 column with one unit: the unit in charge leads; several share.
    assert rows[2].lead_units == ("区交通委",) and not rows[2].responsible_units
    assert rows[1].responsible_units == ("区规划资源局", "区水务局") and not rows[1].lead_units


MERGED_TABLE = """关于加强建筑垃圾管理的实施意见
一、主要任务
（一）推动源头减量。做好土方平衡。
附件
任务职责分工表
序号
工作任务
主要工作内容
牵头单位
配合单位
—
构建产消平衡的处置体系
（一）
推动源头减量
在项目规划、立项、设计文件中，增加工程土方消纳平衡内容。
区规划资源局
区水务局、区绿化市容局
（二）
提升消纳处置能力
梳理评估本区出土项目和综合利用潜力一张图。
区土方工作
专班
区绿化市容局、属地街镇
开展建筑垃圾消纳场所备案工作。
区绿化市容局
——
"""


def test_a_table_numbered_in_groups_keeps_each_merged_row() -> None:
    """Rows （一）（二） under a group row; the second task spans two content rows."""
    policy = parse_document(RawDocument("merged.txt", DocumentFormat.TEXT, MERGED_TABLE))
    rows = [c for c in policy.clauses if c.role_sources and c.role_sources[0].source == "table"]
    assert [(c.number, c.lead_units) for c in rows] == [
        ("一", ("区规划资源局",)),
        ("二", ("区土方工作专班",)),  # the name wrapped onto two lines is joined
        ("二", ("区绿化市容局",)),
    ]
    assert rows[0].responsible_units == ("区水务局", "区绿化市容局")
    assert rows[2].responsible_units == ()  # —— is an empty cell
    assert all(c.text.startswith("推动源头减量") or "提升消纳处置能力" in c.text for c in rows)


def test_a_paragraph_led_by_a_unit_states_its_duty_in_a_duty_section_only() -> None:
    # 徐汇 010's 职责分工: a paragraph whose subject is a unit is that unit's duty.
    text = "区城管执法局依法对违反规定的行为实施行政处罚。"
    assert [u.name for s in read_statements(text, duty=True) for u in s.leads] == ["区城管执法局"]
    assert read_statements(text) == []  # elsewhere such a sentence only names the unit
    # 闵行 013: a unit before a colon heads its duties anywhere; a government's general duty is
    # no task's owner.
    colon = "加强建设工地监督管理\n区建设管理委：一是对建设工地进行日常管理。"
    assert [u.name for s in read_statements(colon) for u in s.leads] == ["区建设管理委"]
    assert read_statements("市人民政府应当加强对城市轨道交通工作的领导。", duty=True) == []


def test_an_owner_clause_shares_with_the_units_it_works_with() -> None:
    # 青浦 013, under the heading 区城管执法局: 会同属地街镇发现… and …，联合区房管局指导….
    found = read_statements("会同属地街镇发现建筑垃圾倾倒河道线索并移交执法部门。", owner=True)
    assert [u.name for s in found for u in s.responsible] == ["属地街镇"]
    found = read_statements(
        "推动设施建设和管理，联合区房管局指导街镇督促物业服务企业。", owner=True
    )
    assert [u.name for s in found for u in s.responsible] == ["区房管局"]
    # Without a heading unit nobody does it: no role.
    assert read_statements("会同属地街镇发现建筑垃圾倾倒河道线索。") == []
    # 协助乡镇人民政府、街道办事处…: the list runs to 办事处, not to 街道.
    found = read_statements("村（居）民委员会应当协助乡镇人民政府、街道办事处做好保护工作。")
    assert [u.name for s in found for u in s.leads] == ["乡镇人民政府", "街道办事处"]
