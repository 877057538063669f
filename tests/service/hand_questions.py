"""Hand-written questions for the intents the fixture question sets lack.

units.json, retrieval.json and heldout.json ask no question that should route to ``cited_by``,
``collaborators`` or ``clarify``. The questions below were written, with their expected answers,
from the fixture documents and their hand-checked gold files (tests/fixtures/gold), not from
running the code:

- cited_by: the documents that cite a given document. city_articles 第一条 cites 国务院《城市绿化条例》;
  table_pipe's preamble cites 《吉林省优化营商环境条例》; county_lead_support's preamble cites
  吉政发〔2022〕8号 and 通政发〔2022〕15号; dev/021's preamble cites 《吉林省促进中小企业发展条例》. None
  of these is a fixture document and no other document cites them. No fixture document cites
  another one: table_pipe (柳府办函〔2023〕28号) and dev/012 (国发〔2019〕3号) are cited by none.
- collaborators: the unit sharing most annotated clauses with a given unit. In the seed, 县科技局
  shares 10 clauses with 县高新区管委会 (next: 县商务局 and 县工信局, 6 each); in dev/007 (黄浦区),
  区发展改革委 shares 6 with 区建管委 (next: 区房管局, 5); in dev/015, 体育总局 shares 5 with 公安部
  (next: 市场监管总局, 4). None of these units has a role in another document of its jurisdiction.
- clarify: a bureau name without its level prefix that several differently named units carry:
  财政局 (市财政局 of 广州 dev/001, 区财政局 of 黄浦 dev/007 and 宝山 dev/010, 县财政局 of the seed and
  柳河), 教育局 (市教育局 dev/001, 区教育局 dev/007 and dev/010), 民政局 (市民政局 dev/001, 区民政局
  dev/010).
- due: the tasks due by a date. table_pipe's 完成时限 column gives rows 1, 6, 7 2023年12月底前, row 2
  2023年6月底前, row 3 2023年9月底前, rows 4 and 5 持续推进 (no date); county_lead_support's (一) and
  (七) say 2023年底前, its (五) 到2025年. 县市场监督管理局 leads row 2 and shares row 7; 县司法局 leads
  row 7; 县商务局 (柳河) shares row 5 and leads (五).
- not found: 县商务和投资促进局 and 县烟草专卖局 appear in no document; the first is close to
  县商务局.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    """A clause by fixture file and bare number (as in tests/fixtures/gold)."""

    fixture: str
    number: str
    text_start: str

    def ref(self) -> dict[str, str]:
        """The reference in the fixtures' gold format."""
        return {"fixture": self.fixture, "number": self.number, "text_start": self.text_start}


@dataclass(frozen=True)
class CitedBy:
    """Which stored documents cite ``cited`` (a title, or a 文号); ``stored`` when ``cited`` is
    itself a fixture document."""

    id: str
    lang: str
    question: str
    cited: str
    citing: tuple[str, ...]
    stored: bool = False
    intent: str = "cited_by"


@dataclass(frozen=True)
class Collaborators:
    """Whom ``unit`` works with most: ``partner``, sharing ``weight`` clauses (``shared``); the
    answer's jurisdiction contains ``place``."""

    id: str
    lang: str
    question: str
    unit: str
    place: str
    partner: str
    weight: int
    shared: tuple[Clause, ...]
    intent: str = "collaborators"


@dataclass(frozen=True)
class Clarify:
    """A name that may mean several units: the answer asks back, naming each ``candidates`` unit
    with (part of) the names of the jurisdictions it is in."""

    id: str
    lang: str
    question: str
    mention: str
    candidates: tuple[tuple[str, tuple[str, ...]], ...]
    intent: str = "clarify"


@dataclass(frozen=True)
class Due:
    """Tasks with a time limit on or before ``by`` (``""``: any limit), of ``unit`` when given,
    in ``place``: exactly the ``expected`` clauses, soonest first (ties in document order, undated
    limits last), each showing its ``deadline`` in the answer."""

    id: str
    lang: str
    question: str
    place: str
    by: str
    expected: tuple[tuple[Clause, str], ...]
    unit: str = ""
    intent: str = "due"


@dataclass(frozen=True)
class Lifecycle:
    """A question about documents' validity, what one repeals, who implements one, or how a local
    one aligns with its parent, naming ``named`` (a title or 文号; "" for a listing). Their answers
    are tested on their own documents in tests/service/test_lifecycle.py."""

    id: str
    lang: str
    question: str
    intent: str
    named: str = ""


@dataclass(frozen=True)
class NotFound:
    """A unit no document names: not found, offering ``nearest`` among the candidates if given."""

    id: str
    lang: str
    question: str
    unit: str
    nearest: str | None


def _clauses(fixture: str, *pairs: tuple[str, str]) -> tuple[Clause, ...]:
    return tuple(Clause(fixture, number, start) for number, start in pairs)


GREENING = "通化市城市绿化管理条例"
BUSINESS = "柳河县2023年优化营商环境重点任务分工方案"
DIGITAL = "柳河县关于加快数字经济发展的实施方案"
SME = "中共柳河县委 柳河县人民政府关于支持重点产业加快发展的实施意见"
BONDED = "国务院关于促进综合保税区高水平开放高质量发展的若干意见"

CITED_BY = [
    CitedBy("hc01", "zh", "《城市绿化条例》被哪些文件引用？", "城市绿化条例", (GREENING,)),
    CitedBy(
        "hc02",
        "zh",
        "哪些文件引用了《吉林省优化营商环境条例》？",
        "吉林省优化营商环境条例",
        (BUSINESS,),
    ),
    CitedBy("hc03", "zh", "吉政发〔2022〕8号被哪些政策引用了？", "吉政发〔2022〕8号", (DIGITAL,)),
    CitedBy(
        "hc04",
        "en",
        "Which documents cite 《吉林省促进中小企业发展条例》?",
        "吉林省促进中小企业发展条例",
        (SME,),
    ),
    CitedBy(
        "hc05", "en", "Which policies cite 通政发〔2022〕15号?", "通政发〔2022〕15号", (DIGITAL,)
    ),
    CitedBy(
        "hc06",
        "en",
        "Is 《城市绿化条例》 cited by any stored document?",
        "城市绿化条例",
        (GREENING,),
    ),
    CitedBy("hc07", "zh", f"{BUSINESS}被哪些文件引用？", BUSINESS, (), stored=True),
    CitedBy(
        "hc08", "en", "Which documents cite 国发〔2019〕3号?", "国发〔2019〕3号", (), stored=True
    ),
]

SCIENCE_WITH_ZONE = _clauses(
    "corpus/seed.txt",
    ("四", "健全统计和信息共享机制。"),
    ("九", "用足用好各项产业支持政策"),
    ("十", "加强考核管理。落实省级开"),
    ("十一", "简化项目审批流程。积极推"),
    ("十四", "优化开发区产业布局。按照"),
    ("十五", "创新精准招商方式。建立奖"),
    ("十六", "培育建设合作产业园。聚焦"),
    ("十七", "积极引进创新主体和创新平"),
    ("十八", "大力培育本土人才和引进高"),
    ("十九", "充分利用海关特殊监管区开"),
)
REFORM_WITH_CONSTRUCTION = _clauses(
    "corpus/dev/007.txt",
    ("一", "全面实施“光伏+”专项工"),
    ("二", "开展新建建筑光伏项目建设"),
    ("三", "加快既有建筑光伏项目建设"),
    ("四", "推动光伏项目建设与城市更"),
    ("六", "实施强化科技创新赋能工程"),
    ("十", "规范光伏项目建设管理落实"),
)
SPORT_WITH_POLICE = _clauses(
    "corpus/dev/015.txt",
    ("十二", "引导消费理念。鼓励各类媒"),
    ("十三", "改善消费条件。加强新建体"),
    ("十五", "健全产业标准。按照总体规"),
    ("十七", "深化国际合作。推动体育竞"),
    ("十八", "持续推进“放管服”改革。"),
)

COLLABORATORS = [
    Collaborators(
        "hk01", "zh", "县科技局和哪些单位合作最多？", "县科技局", "", "县高新区管委会", 10,
        SCIENCE_WITH_ZONE,
    ),
    Collaborators(
        "hk02", "zh", "黄浦区的区发展改革委与哪个部门配合最多？", "区发展改革委", "黄浦", "区建管委",
        6, REFORM_WITH_CONSTRUCTION,
    ),
    Collaborators(
        "hk03", "en", "Which departments does the General Administration of Sport work with most?",
        "体育总局", "国家", "公安部", 5, SPORT_WITH_POLICE,
    ),
    Collaborators(
        "hk04", "en", "Who does the 县科技局 collaborate with most?", "县科技局", "",
        "县高新区管委会", 10, SCIENCE_WITH_ZONE,
    ),
]  # fmt: skip

# dev/001 is 广州's (its preamble cites 中共广州市委、广州市人民政府), but the store cannot place it:
# see test_clarify_places_dev_001_units_in_guangzhou. Its units carry no place here.
FINANCE = (("市财政局", ()), ("区财政局", ("黄浦", "宝山")), ("县财政局", ("柳河",)))
EDUCATION = (("市教育局", ()), ("区教育局", ("黄浦", "宝山")))
CIVIL_AFFAIRS = (("市民政局", ()), ("区民政局", ("宝山",)))
CLARIFY = [
    Clarify("ha01", "zh", "财政局负责哪些工作？", "财政局", FINANCE),
    Clarify("ha02", "zh", "教育局牵头了什么任务？", "教育局", EDUCATION),
    Clarify("ha03", "en", "What is the Finance Bureau responsible for?", "finance bureau", FINANCE),
    Clarify(
        "ha04", "en", "Which tasks does the Civil Affairs Bureau lead?", "civil affairs bureau",
        CIVIL_AFFAIRS,
    ),
]  # fmt: skip

TABLE = "corpus/synthetic/table_pipe.txt"
DIGITAL_PLAN = "corpus/synthetic/county_lead_support.txt"
ROW_1 = (Clause(TABLE, "1", "深化“一网通办”改革"), "2023年12月底前")
ROW_2 = (Clause(TABLE, "2", "压减企业开办时间"), "2023年6月底前")
ROW_3 = (Clause(TABLE, "3", "推行工程建设项目审批"), "2023年9月底前")
ROW_5 = (Clause(TABLE, "5", "开展“万人助万企”"), "持续推进")
ROW_6 = (Clause(TABLE, "6", "拓宽中小微企业融资渠道"), "2023年12月底前")
ROW_7 = (Clause(TABLE, "7", "规范涉企行政检查"), "2023年12月底前")
FIVE_G = (Clause(DIGITAL_PLAN, "一", "加快5G网络建设"), "2023年底前")
E_GOV = (Clause(DIGITAL_PLAN, "七", "深化“数字政府”建设"), "2023年底前")
TRADE = (Clause(DIGITAL_PLAN, "五", "壮大数字商贸"), "2025年")

DUE = [
    Due("hd01", "zh", "2023年底前要完成哪些任务？", "柳河县", "2023-12-31",
        (ROW_2, ROW_3, ROW_1, ROW_6, ROW_7, FIVE_G, E_GOV)),
    Due("hd02", "en", "Which tasks are due by 2023?", "柳河县", "2023-12-31",
        (ROW_2, ROW_3, ROW_1, ROW_6, ROW_7, FIVE_G, E_GOV)),
    Due("hd03", "zh", "县市场监督管理局2023年6月底前要完成哪些任务？", "柳河县", "2023-06-30",
        (ROW_2,), unit="县市场监督管理局", intent="unit_duties"),
    Due("hd04", "en", "Which tasks must the 县司法局 finish before the end of 2023?", "柳河县",
        "2023-12-31", (ROW_7,), unit="县司法局", intent="unit_duties"),
    Due("hd05", "zh", "县商务局年底前要完成哪些任务？", "柳河县", "", (TRADE, ROW_5),
        unit="县商务局", intent="unit_duties"),
]  # fmt: skip

SEED_TITLE = "开发区改革开放实施意见"
LIFECYCLE = [
    Lifecycle("hl01", "zh", "哪些文件现行有效？", "validity"),
    Lifecycle("hl02", "en", "Which documents are still in force?", "validity"),
    Lifecycle("hl03", "zh", f"《{SEED_TITLE}》2022年还有效吗？", "validity", SEED_TITLE),
    Lifecycle("hl04", "zh", f"《{SEED_TITLE}》废止了哪些文件？", "acted_on", SEED_TITLE),
    Lifecycle("hl05", "en", f"Which documents did 《{SEED_TITLE}》 repeal?", "acted_on", SEED_TITLE),
    Lifecycle("hl06", "zh", "哪些地方落实了国发〔2019〕11号，用了多久？", "transmission",
              "国发〔2019〕11号"),
    Lifecycle("hl07", "en", "Which places implement 国发〔2019〕11号 and how long did it take?",
              "transmission", "国发〔2019〕11号"),
    Lifecycle("hl08", "zh", f"《{SEED_TITLE}》落实了上位文件的哪些条款，新增了哪些？", "alignment",
              SEED_TITLE),
    Lifecycle("hl09", "en", f"Which clauses of its parent document does 《{SEED_TITLE}》 implement, "
              "and what does it add?", "alignment", SEED_TITLE),
]  # fmt: skip

HAND_QUESTIONS: list[CitedBy | Collaborators | Clarify | Due | Lifecycle] = [
    *CITED_BY,
    *COLLABORATORS,
    *CLARIFY,
    *DUE,
    *LIFECYCLE,
]

NOT_FOUND = [
    NotFound("hn01", "zh", "县商务和投资促进局负责什么？", "县商务和投资促进局", "县商务局"),
    NotFound(
        "hn02", "en", "What does the 县商务和投资促进局 lead?", "县商务和投资促进局", "县商务局"
    ),
    NotFound("hn03", "zh", "县烟草专卖局牵头哪些工作？", "县烟草专卖局", None),
]

MISROUTED: dict[str, str] = {}
"""Hand questions routed wrong today (their routing tests are xfail, strict)."""
WRONG_ANSWERS: dict[str, str] = {}
"""Hand questions answered wrong today (their answer tests are xfail, strict)."""
