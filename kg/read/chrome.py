"""Page chrome: the parts of a news page that are not the article.

Buttons and menus, share widgets, copyright and disclaimer footers, navigation
bars and breadcrumbs (``人民网>>上海频道``: the publisher and the channel),
and the dateline or site name that leads the first paragraph.
"""

from __future__ import annotations

import re

from kg.read.normalise import HAN_CHAR, HAN_RE

# --- page chrome ----------------------------------------------------------------------------

#: Lines made only of these words are buttons, menus and widgets.
_CHROME_WORDS = frozenset(
    {
        "打印", "打印本页", "打印此文", "打印文章", "关闭", "关闭窗口", "关闭本页", "收藏",
        "加入收藏", "收藏本页", "分享", "分享到", "一键分享", "推荐", "纠错", "我要纠错", "评论",
        "发表评论", "我要评论", "查看评论", "返回", "返回顶部", "回到顶部", "顶部", "返回首页",
        "返回列表", "返回目录", "上一篇", "下一篇", "上一页", "下一页", "首页", "小字号",
        "中字号", "大字号", "字号", "字体", "大", "中", "小", "默认", "扫一扫", "微信", "微博",
        "新浪微博", "腾讯微博", "qq空间", "qq", "复制链接", "点赞", "分享让更多人看到",
        "我们一直在努力", "登录", "注册", "设为首页", "网站地图", "联系我们", "关于我们",
        "手机版", "移动版", "电脑版", "繁体", "简体", "更多", "查看更多", "阅读全文", "展开全文",
        "全文阅读", "点击查看", "二维码", "分享至", "微信扫一扫", "用微信扫码二维码",
    }
)
_CHROME_SPLIT = re.compile(r"[\s|｜/·•【】\[\]()（）「」:：>»]+")
#: Footers that may run long (copyright, disclaimers, licence numbers).
_FOOTER_START = re.compile(
    r"(?:版权所有|copyright|©|\(c\)|免责声明|本站声明|声明[:：]|本网站所刊登|本网所刊登|"
    r"转载请注明|未经授权|未经许可)",
    re.I,
)
#: Footer markers that may sit anywhere in a line, trusted only in short lines: a
#: paragraph may well mention copyright or an ICP licence.
_FOOTER_ANYWHERE = re.compile(
    r"版权所有|all rights reserved|icp[备证]|公网安备|违法和不良信息举报", re.I
)
_FOOTER_LINE = 80
#: Short lines that introduce widgets and link lists.
_SHORT_CHROME = re.compile(
    r"^(?:相关新闻|相关阅读|相关推荐|相关链接|延伸阅读|热点推荐|编辑推荐|推荐阅读|热门推荐|"
    r"猜你喜欢|扫一扫|扫描二维码|分享到|上一篇|下一篇|网友评论|我要评论|关注我们|欢迎访问|"
    r"欢迎来到|欢迎光临|【?打印】?|【?关闭】?)"
)
_SHORT = 30


def is_chrome(simple: str) -> bool:
    """Whether a (Simplified, stripped) line is page furniture rather than article text."""
    words = [w for w in _CHROME_SPLIT.split(simple.lower()) if w]
    if words and all(word in _CHROME_WORDS for word in words):
        return True
    if _FOOTER_START.match(simple):
        return True
    if len(simple) <= _FOOTER_LINE and _FOOTER_ANYWHERE.search(simple):
        return True
    return len(simple) <= _SHORT and _SHORT_CHROME.match(simple) is not None


_CRUMB_SEPARATOR = re.compile(r"\s*(?:>>|＞＞|»|›|>|＞|→)\s*")
_CRUMB_PREFIX = re.compile(
    r"^(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|位置)\s*[:：]?\s*"
)
_GENERIC_CRUMBS = frozenset(
    {"首页", "主页", "网站首页", "本站首页", "返回首页", "home", "正文", "内容", "详情", "正文内容",
     "文章", "阅读", "浏览文章", "新闻详情"}
)
_SENTENCE_PUNCTUATION = re.compile(r"[。，,;；!！?？]")
_MAX_CRUMB = 16


def read_breadcrumb(simple: str) -> tuple[str | None, str | None] | None:
    """``人民网>>上海频道`` → (head, tail) with generic steps (首页, 正文) skipped, else None."""
    if not _CRUMB_SEPARATOR.search(simple):
        return None
    steps = [s.strip() for s in _CRUMB_SEPARATOR.split(_CRUMB_PREFIX.sub("", simple))]
    steps = [s for s in steps if s]
    if not steps or any(
        len(s) > _MAX_CRUMB or _SENTENCE_PUNCTUATION.search(s) for s in steps
    ):
        return None
    named = [s for s in steps if s.lower() not in _GENERIC_CRUMBS]
    head = steps[0] if steps[0].lower() not in _GENERIC_CRUMBS else None
    tail = named[-1] if named and (len(named) > 1 or head is None) else None
    return head, tail


def is_nav_bar(simple: str) -> bool:
    """A row of three or more short menu items: ``国内新闻 社会新闻 财经新闻``."""
    items = [w for w in re.split(r"[\s|｜]+", simple) if w]
    return len(items) >= 3 and all(
        len(w) <= 6 and HAN_RE.match(w) and not _SENTENCE_PUNCTUATION.search(w) for w in items
    )


def is_paragraph(simple: str) -> bool:
    """Whether a line reads as running text rather than a heading or a label."""
    return "。" in simple or simple[-1] in "。！？!?…；;，,：:—" or len(simple) >= 60


MIN_TITLE = 8
_MAX_TITLE = 80


def is_heading(simple: str, minimum: int) -> bool:
    return (
        minimum <= len(simple) <= _MAX_TITLE
        and not is_paragraph(simple)
        and simple[0] not in "(（[【"
        and len(HAN_RE.findall(simple)) >= minimum // 2
    )


_RUN_IN_SITE = re.compile(rf"^([{HAN_CHAR}]{{2,8}}?(?:网|报|台|新闻|日报|在线))[ \u3000]+\S")
_DATELINE = re.compile(
    rf"^([{HAN_CHAR}]{{1,6}}?(?:通讯社|社|网|台|报))[{HAN_CHAR}]{{0,6}}?"
    r"\d{1,2}月\d{1,2}日\s*(?:电|讯)"
)
_GENERIC_PUBLISHERS = frozenset({"本报", "本网", "本台", "本社"})


def publisher_in_first_paragraph(simple: str) -> str | None:
    """A news agency dateline (``新华网上海12月28日电``) or a site name run into the text."""
    for pattern in (_DATELINE, _RUN_IN_SITE):
        match = pattern.match(simple)
        if match and match.group(1) not in _GENERIC_PUBLISHERS:
            return match.group(1)
    return None
