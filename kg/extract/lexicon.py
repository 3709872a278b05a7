"""General word lists the rules are built from.

Nothing here names a particular place, company or brand: these are the
suffixes, function words and trigger verbs of Chinese administrative and
party-building prose, which apply to any article of the genre. Specific names
come from the gazetteer, the text itself, or the statistical model.
"""

from __future__ import annotations

# fmt: off

# --------------------------------------------------------------------------
# Organisation suffixes → ontology class. Longest suffix wins, so the table is
# ordered by nothing in particular; ``org_suffix_class`` sorts by length.
# --------------------------------------------------------------------------
ORG_SUFFIXES: dict[str, str] = {
    # party organisations
    "党委": "PartyOrganization",
    "党工委": "PartyOrganization",
    "党组": "PartyOrganization",
    "党支部": "PartyOrganization",
    "党总支": "PartyOrganization",
    "联合党委": "PartyOrganization",
    "综合党委": "PartyOrganization",
    "支部委员会": "PartyOrganization",
    "总支部委员会": "PartyOrganization",
    "组织部": "PartyOrganization",
    "统战部": "PartyOrganization",
    "宣传部": "PartyOrganization",
    "政法委": "PartyOrganization",
    "社工委": "PartyOrganization",
    "两新工委": "PartyOrganization",
    "纪委": "PartyOrganization",
    "区委": "PartyOrganization",
    "县委": "PartyOrganization",
    "市委": "PartyOrganization",
    "镇委": "PartyOrganization",
    "省委": "PartyOrganization",
    "工委": "PartyOrganization",
    "推进委": "GovernmentBody",
    "管委": "GovernmentBody",
    "教委": "GovernmentBody",
    "卫健委": "GovernmentBody",
    "发改委": "GovernmentBody",
    "住建委": "GovernmentBody",
    "经信委": "GovernmentBody",
    "农委": "GovernmentBody",
    "科委": "GovernmentBody",
    "建委": "GovernmentBody",
    "商委": "GovernmentBody",
    # government bodies
    "人民政府": "GovernmentBody",
    "政府": "GovernmentBody",
    "管委会": "GovernmentBody",
    "办公室": "GovernmentBody",
    "办事处": "GovernmentBody",
    "领导小组": "GovernmentBody",
    "税务局": "GovernmentBody",
    "税务分局": "GovernmentBody",
    "分局": "GovernmentBody",
    "局": "GovernmentBody",
    "厅": "GovernmentBody",
    "服务中心": "GovernmentBody",
    "党群服务中心": "GovernmentBody",
    "科创中心": "GovernmentBody",
    "中心": "GovernmentBody",
    "委员会": "GovernmentBody",
    "专委会": "PartyOrganization",
    "法院": "GovernmentBody",
    "检察院": "GovernmentBody",
    "派出所": "GovernmentBody",
    "司法所": "GovernmentBody",
    # mass organisations
    "团委": "MassOrganization",
    "妇联": "MassOrganization",
    "工会": "MassOrganization",
    "总工会": "MassOrganization",
    "侨联": "MassOrganization",
    "残联": "MassOrganization",
    "科协": "MassOrganization",
    "文联": "MassOrganization",
    "红十字会": "MassOrganization",
    "商会": "MassOrganization",
    "协会": "MassOrganization",
    # enterprises
    "有限责任公司": "Enterprise",
    "股份有限公司": "Enterprise",
    "有限公司": "Enterprise",
    "公司": "Enterprise",
    "集团": "Enterprise",
    "报业集团": "Enterprise",
    "合作社": "Enterprise",
    "银行": "Enterprise",
    "农场": "Enterprise",
    "酒店": "Enterprise",
    "饭店": "Enterprise",
    "茶业": "Enterprise",
    "乳业": "Enterprise",
    "路店": "Enterprise",
    # parks
    "产业园区": "IndustrialPark",
    # park endings frequent among the silver annotations' parks (工业园区 11, 集聚区 8, …)
    "工业园区": "IndustrialPark",
    "集聚区": "IndustrialPark",
    "经开区": "IndustrialPark",
    "创业园": "IndustrialPark",
    "集中区": "IndustrialPark",
    "孵化园": "IndustrialPark",
    "产业园": "IndustrialPark",
    "科技园": "IndustrialPark",
    "工业园": "IndustrialPark",
    "工业区": "IndustrialPark",
    "农博园": "IndustrialPark",
    "开发区": "IndustrialPark",
    "经济开发区": "IndustrialPark",
    "高新区": "IndustrialPark",
    "产业基地": "IndustrialPark",
    # alliances
    "联盟": "Alliance",
    "联席会议": "Alliance",
    "共同体": "Alliance",
    # venues
    "客厅": "Venue",
    "会客厅": "Venue",
    "茶社": "Venue",
    "驿站": "Venue",
    "工作室": "Venue",
    "党校": "Venue",
    "书城": "Venue",
    "展区": "Venue",
    "展厅": "Venue",
    "纪念馆": "Venue",
    "博物馆": "Venue",
    "学院": "Venue",
    "服务站": "Venue",
    # publications
    "日报": "Publication",
    "晚报": "Publication",
    "时报": "Publication",
    "新闻网": "Publication",
    "电视台": "Publication",
}

#: Suffixes whose bare form (no name before them) is still a body when it
#: follows a place: 镇团委, 妇联.
BARE_ORG_WORDS: frozenset[str] = frozenset(
    {"妇联", "团委", "工会", "党群中心", "总工会", "侨联", "残联"}
)

#: Classes for which the name may be preceded by a level word that refers to the
#: article's own division: 区司法局, 县委组织部, 镇团委.
LEVEL_PREFIXES: dict[str, str] = {"区": "District", "县": "County", "市": "City", "镇": "Township"}
#: One-character ends of a division's name (…区, …县, …市, …省), a head word of the tagger.
LEVEL_SUFFIXES: tuple[str, ...] = ("区", "县", "市", "省")

#: The level characters of division names that may have a one-character stem (南县, 兴镇).
ONE_CHARACTER_STEM_LEVELS = frozenset("县镇乡区市")
#: The verb of a four-character development slogan: 文旅兴镇, 工业强县, 生态立区, 旅游富村.
SLOGAN_VERBS = frozenset("兴强立富")
#: A character that makes a level character the start of a title (县长, 镇长, 区委 is not one).
TITLE_AFTER_LEVEL = frozenset("长")

# --------------------------------------------------------------------------
# Administrative suffixes of places that the gazetteer does not list.
# --------------------------------------------------------------------------
VILLAGE_SUFFIXES: tuple[str, ...] = ("村", "社区")
#: Characters that make 村 part of a common noun (村庄, 村落, 村容村貌), not a name's end.
VILLAGE_WORD_CONTINUATIONS: str = "庄落容貌"
TOWN_SUFFIXES: tuple[str, ...] = ("街道", "镇", "乡")

#: Words that look like a place + suffix but refer to no particular place.
NOT_PLACE_STEMS: frozenset[str] = frozenset({
    "该", "本", "全", "各", "我", "两", "三", "四", "五", "六", "七", "八", "九", "十", "多",
    "乡", "农", "城", "街", "新农", "行政", "自然", "美丽", "和美", "示范", "重点", "村", "镇",
    "小城", "集", "特色", "古", "历史文化", "城乡", "市", "县", "区", "每", "邻", "一",
})

#: Regions known by their common name (general geography, not article data).
REGION_NAMES: dict[str, str] = {
    "长三角": "长三角",
    "长江三角洲": "长三角",
    "珠三角": "珠三角",
    "珠江三角洲": "珠三角",
    "京津冀": "京津冀",
    "粤港澳大湾区": "粤港澳大湾区",
    "大湾区": "粤港澳大湾区",
    "成渝地区": "成渝地区",
    "长江经济带": "长江经济带",
    "黄河流域": "黄河流域",
}
#: Suffixes of planning regions and zones.
REGION_SUFFIXES: tuple[str, ...] = (
    "示范区", "合作区", "中央商务区", "商务区", "经济带", "城市群", "片区",
    "走廊", "经济圈", "都市圈", "城镇圈", "经济区", "发展带",
)

# --------------------------------------------------------------------------
# Words that end a name when scanning leftwards from a suffix.
# --------------------------------------------------------------------------
LEFT_STOP_WORDS: frozenset[str] = frozenset({
    "在", "由", "与", "和", "及", "以及", "同", "跟", "向", "对", "为", "以", "把", "将", "到",
    "从", "是", "了", "的", "等", "各", "全", "该", "共", "并", "并且", "或", "或者", "由于",
    "其中", "其", "此", "这", "那", "这些", "我们", "他们", "日前", "近日", "目前", "今年",
    "去年", "近年来", "当天", "期间", "随后", "此次", "本次", "通过", "经过", "还", "也", "已",
    "已经", "正式", "共同", "分别", "积极", "进一步", "先后", "来自", "走进", "前往", "来到",
    "参观", "调研", "考察", "会同", "联合", "牵手", "携手", "依托", "围绕", "推动", "推进",
    "成立", "设立", "建立", "组建", "打造", "举办", "举行", "召开", "开展", "组织", "发布",
    "签订", "签署", "签约", "入驻", "落地", "引进", "指导", "主办", "承办", "协办", "牵头",
    "发起", "启动", "揭牌", "授牌", "认领", "加入", "纳入", "出席", "参加", "介绍", "表示",
    "提供", "服务", "支持", "帮助", "实现", "形成", "位于", "地处", "包括", "如", "比如",
    "例如", "则", "又", "即", "均", "都", "就", "所", "之", "个", "家", "名", "位", "次",
    "多", "余", "约", "近", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    "两", "几", "新", "作为", "属于", "拥有", "成为", "带领", "组成", "会上", "活动",
    "仪式", "现场", "一行", "代表", "领导", "书记", "部长", "主任", "副", "党员", "群众",
    "企业", "单位", "部门", "方面", "开设", "搭建", "深化", "加强", "完成", "达成",
    "落实", "贯彻", "深入", "按照", "根据", "学习", "融入",
    "项目", "重点项目", "重大项目", "标志着", "标志著", "两地", "三地", "双方", "利用",
    # roles that precede a party's name (园区管理方X公司) and verbs of upgrading
    "管理方", "运营方", "主办方", "承办方", "协办方", "投资方", "建设方", "合作方", "各方",
    "甲方", "乙方", "对方", "方", "优化", "升级", "改造", "提升", "新建", "建成",
})

#: Characters that can never be inside a name.
NAME_BREAK_CHARS = set(
    ",，。；;：:！!？?、“”‘’\"'（）()《》〈〉【】[]「」『』\n\r\t |/…—-·"
    "■□▲△▼▽●○◆◇★☆※→←↑↓◎"  # bullets and dingbats before a headline or byline
)

# --------------------------------------------------------------------------
# Quoted names: the word after the closing quote decides the class.
# --------------------------------------------------------------------------
QUOTE_PAIRS: dict[str, str] = {"“": "”", "「": "」", "『": "』", "\"": "\""}

#: Head words that turn ``“X”`` (and ``“X”head``) into an entity.
QUOTED_HEADS: dict[str, tuple[str, bool]] = {
    # head word → (class, head belongs to the name)
    "党建品牌": ("PartyBrand", False),
    "战略合作框架协议": ("Project", False),
    "战略合作协议": ("Project", False),
    "品牌": ("PartyBrand", False),
    "党建服务品牌": ("PartyBrand", False),
    "服务平台": ("Project", True),
    "平台": ("Project", True),
    "行动": ("Project", True),
    "工程": ("Project", True),
    "项目": ("Project", False),
    "计划": ("Project", True),
    "服务站": ("Project", True),
    "驿站": ("Venue", True),
    "联盟": ("Alliance", True),
    "党建联盟": ("Alliance", True),
    "工作室": ("Venue", True),
    "青年夜校": ("Project", True),
}

#: Slogans in quotes that are never names (common political shorthand).
QUOTED_STOPLIST: frozenset[str] = frozenset({
    "两新", "两学一做", "三会一课", "不忘初心、牢记使命", "放管服", "最多跑一次", "一网通办",
    "一网统管", "十四五", "十三五", "双减", "双碳", "四史",
})

# --------------------------------------------------------------------------
# Enumeration heads: ``A、B、C等重大项目`` and ``X等五家沪企``.
# --------------------------------------------------------------------------
ENUMERATION_HEADS: dict[str, str] = {
    "重大项目": "Project",
    "重点项目": "Project",
    "项目": "Project",
    "沪企": "Enterprise",
    "企业": "Enterprise",
    "公司": "Enterprise",
    "民企": "Enterprise",
    "外企": "Enterprise",
    "浙企": "Enterprise",
    "苏企": "Enterprise",
    "皖企": "Enterprise",
}

# --------------------------------------------------------------------------
# People.
# --------------------------------------------------------------------------
BYLINE_WORDS: tuple[str, ...] = ("记者", "通讯员", "责编", "编辑", "摄影", "摄", "撰稿", "供稿")
TITLE_WORDS: tuple[str, ...] = (
    "书记", "副书记", "部长", "副部长", "主任", "副主任", "区长", "副区长", "县长", "副县长",
    "市长", "副市长", "镇长", "副镇长", "局长", "主席", "常委", "委员", "领导", "董事长",
    "总经理", "院长", "校长", "社长", "厂长", "村长",
)
#: Common Chinese surnames (single-character), for names following a title.
SURNAMES: str = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封杲沐"
)

# --------------------------------------------------------------------------
# Relation triggers.
# --------------------------------------------------------------------------
SETTLE_TRIGGERS = ("入驻", "进驻", "落户")
PUBLISH_TRIGGERS = ("发布", "印发", "出台", "公布", "发出", "编制", "制定")
LANDING_TRIGGERS = ("落地", "落户", "签约落户", "引进")
LEAD_TRIGGERS = ("牵头", "发起", "主办", "领办")
FOUND_TRIGGERS = ("成立", "设立", "组建", "建立", "打造", "搭建", "启动", "揭牌成立", "开设")
COOPERATION_TRIGGERS = (
    "牵手", "携手", "结对", "合作", "联合", "共建", "联建", "签订", "签署", "签约", "达成",
    "协同", "联动",
)
PARTNER_WORDS = ("共建",)
RELY_TRIGGERS = ("依托", "依靠", "借助", "围绕")
PLATFORM_TRIGGERS = ("为平台", "为载体", "作为平台", "作为载体")

#: Verbs by which parties found, form or sign up to a joint body (an alliance,
#: a joint party committee); 启动 is left out, since 联盟启动仪式 names an event.
JOINT_BODY_TRIGGERS = (
    "成立", "组建", "建立", "组成", "结成", "签订", "签署", "共建", "联建", "揭牌",
)
#: Words inside the name of a party body that several parties form together
#: (联村党委, 联合党支部, 产业链党委); such a body has members like an alliance.
#: 联合 alone is not enough: 联合发展有限公司党支部 is one company's branch.
JOINT_BODY_MARKS = ("联合党", "联村党", "联建党", "产业链党", "联合工作委员会", "联席会议")
#: Head nouns by which an article refers back to a joint body it has named
#: (该联盟的成立, 联村党委阵地), longest first.
JOINT_BODY_HEADS = (
    "联合工作委员会", "联合党总支", "联合党支部", "联合党工委", "产业链党委", "联合党委",
    "联村党委", "党建联盟", "联盟",
)
#: Verbs by which a joint party committee covers the units that make it up (辖7个村).
COVERING_TRIGGERS = ("辖", "涵盖", "覆盖")  # 辖 also finds 下辖

#: Pronouns that point back to a place of a given class.
ANAPHORA: dict[str, str] = {
    "该镇": "Township", "本镇": "Township", "全镇": "Township", "我镇": "Township",
    "该街道": "Subdistrict",
    "该区": "District", "本区": "District", "全区": "District", "我区": "District",
    "该县": "County", "本县": "County", "全县": "County", "我县": "County",
    "该市": "City", "本市": "City", "全市": "City", "我市": "City",
}
#: Words that stand for the places just named: 两镇, 两地, 三地 …
GROUP_WORDS_RE = r"(两|二|三|四|五|六|七|八|九|十)(地|镇|区|县|市|街镇|方)"
NUMERALS: dict[str, int] = {
    "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}
# fmt: on
