"""Removing personal data from text before it is published.

A citizen's suggestion (and the reply to it) is shown to everyone on the public disclosure pages and,
to other citizens, in the /nearby list. PIPL lets us publish it only without personal information, so
``redact`` replaces with ``***`` whatever in the text identifies a person:

* names: a Chinese surname (the ~120 most common, and common compound ones) in a context that says it
  is a name — 我叫王小明, 我是王小明，, 本人姓陈, 老板姓黄, 姓名：…, 联系人：…, 李四反映 / 张三说 / 王五家 /
  张建国家门口, next to a phone number (李四 13700001111, 王小明：13700001111, 李四 电话：…, 电话：13700001111
  王强), after a plain 的 before what the person keeps doing, before 在 or a punctuation mark (我们小区的陈国强
  经常把车停在消防通道上, 隔壁单元的李秀英在楼道里烧香, 我们楼的王强经常…, 投诉五楼的张卫东。), 刘女士 / 陈师傅 /
  李建国先生 / 业主张先生, and as a reply addresses the citizen — 张三您好, 尊敬的赵丽华：, 回复：陈大勇，,
  感谢王小明的反映, 已联系刘建华, and after a self-introduction that says first where they live
  (我是住在迎丰路12号的赵大明, 我是小区的业主王小明), or by occupation or standing (我是一名退休教师刘建华), after a
  relation of the writer's (我老婆李梅, 我爱人张丽说), after a neighbour or anyone's relative before what the person
  does or is (邻居王建军经常…, 楼上邻居刘德福天天…, 我老伴儿刘桂兰行动不便, 他女儿陈小红经常逃学), after a welfare
  standing or an occupation (低保户周建平, 退役军人王大勇, 物业经理刘洋不作为, 出租车司机刘强拒载), starting a sentence
  before what the person keeps doing or did (王建军经常在楼道堆放杂物, 张丽体罚学生; not 王府井经常堵车), and spelt
  out with spaces after 叫 (我叫王 小 明); after a label
  or a self-introduction (我的名字是王小明, 署名：…, ——王小明), after a word that says who the person is to the matter
  (反映人王小明沟通, 业主王小明多次投诉, 居民刘建华, 村民李四来电), and in replies after 已与 / 告知 / 您好
  (已与王小明现场核实, 已告知王小明, 您好，王小明！), before what was told or done (已告知王小明处理结果, 经联系王建国
  本人), after a plain 和 / 与 / 同 / 跟 before a verb of talking (和王建国确认过位置), before 本人 (王建国本人表示满意),
  in a salutation without a colon after 回复 (回复王建国：), each name of a list there (已与王小明、李四沟通), but not an
  office or a place (已与金融办沟通, 告知杨家山, 与江北区确认).  The whole name, surname and title included, becomes ``***`` (刘女士 -> ***;
  本人姓陈 -> 本人姓***): even a surname narrows a small community down to a household.  Officials'
  titles (李书记, 王主任) are left alone: the person acts in office.
* phone numbers: mobiles with or without +86/0086/86, their groups separated by spaces, hyphens, the dashes
  Chinese input methods type (139—0000—0001), dots or middle dots; landlines with an area code
  (0731-84567890, 0745—2345678, (0731)84567890, 0731 8456 7890); any number of 7 digits or more written after
  电话/手机/拨打…, written in digits or in Chinese numerals (电话一三八一二三四五六七八, 幺 for 1, 〇 / 零 for 0,
  capital numerals 壹叁捌… too); and,
  given ``known`` (``redact_item_text``: the contact phone an item was filed with), that
  number in any grouping, a landline's local number without its area code too (0731-84567890: 8456 7890).
* identity and bank-card numbers: any run of 15 or more digits, possibly grouped by spaces or hyphens
  (15- and 18-digit ID cards, 16-19-digit bank cards), an X at its end or inside it (…123X21).
* licence plates: 湘A12345, 湘A·D12345, 粤B 12345X.
* e-mail addresses, WeChat IDs (微信号 / 微信：… / v信 …) and QQ numbers; a document's number after its name
  (护照E12345678, 社保卡号 1234567890).
* door-level addresses: the number after a road, street or village (人民路88号 -> 人民路***), and the
  building / unit / floor / flat chain (3栋2单元501室, 3号楼402, 三栋二单元五零一室, 3-2-501, 501室, and after an
  estate's zone or phase 3区12号502, 二期5号1单元301, 3区5-301).
  Road, village and estate names stay: they say where the problem is without saying who reported it.

What is not personal stays: dates (11月26日, 26号), times, amounts, counts (3个路灯, 第2次, 两栋楼),
bus routes (12路公交), floors on their own (5楼).  Matching is done on an NFKC-folded copy of the text
(full-width digits and letters become ASCII), but only the matched pieces change: the rest of the text,
full-width punctuation included, is returned as it was written.

Recall matters more than precision here: a word mistaken for a name costs a few characters of a public
text, a name let through cannot be taken back.  The name patterns still keep to contexts, and carry
lists of everyday words that start or end with a surname character (方便, 马上, 保安, 语文…), so that
ordinary sentences survive.  The contexts that only guess a name (after a plain 的, before 电话 / 家) also pass
over everyday words that read as a name — plants, things and places (路边的杨树经常…, 村边的杨树林经常…, 小区的
白玉兰在开花, 程控电话坏了); where the text says a person is named (我叫杨树林, 村民杨树林, 已与杨树林沟通,
杨树林反映) such a word is masked all the same.  Next to a phone number a person is the likelier reading: a
two-character name there must end in a common one-character given name (李四, 王强; not 常用电话, 程控电话), a
three-character one must not end as a thing does.
"""
import re
import unicodedata

MASK = "***"

# --- building blocks ---------------------------------------------------------------------------

_HAN = "\u4e00-\u9fff"
_CN_DIGITS = "零〇一二三四五六七八九十百两"
# A number as people write it in addresses: 88, 八十八, 五零一.
_NUM = rf"(?:\d+|[{_CN_DIGITS}]+)"

# The most common single-character surnames (about 120; 单 and the rarer surnames that are everyday
# words — 凌晨, 旅游, 物业费, 平方米, 申请 — are left out).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫阎段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴"
    "严莫孔向常汤康易乔赖文施洪辛柯庄樊殷欧兰葛祝骆齐安倪邢鲁舒瞿滕伍涂聂岳"
)
# The surnames that few everyday words start with: where only a weak cue says a name follows (的 before 在 or
# a punctuation mark, a two-character name after 的), the surname must be one of these (白玉兰, 金银花, 石狮子,
# 龙舟, 万年青, 安全感, 文化站, 常青藤, 田埂… start with the others).
# The compound surnames that are no words (东方 is a direction, 长孙 / 公孙 a grandson) count there too.
_WORDY_SURNAMES = "白金石龙万方安文常向曾于田江钟毛孔段史夏汤易康洪施庄齐兰辛乔严武钱雷黎柯舒涂鲁岳贺祝欧"
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "端木", "南宫", "独孤", "轩辕", "呼延",
)
_PERSON_SURNAME = (
    rf"(?:[{''.join(s for s in _SURNAMES if s not in _WORDY_SURNAMES)}]"
    rf"|{'|'.join(s for s in _COMPOUND_SURNAMES if s not in ('东方', '长孙', '公孙'))})"
)
# Words that end in a surname character: the character after these is not a surname
# (保安师傅, 语文老师, 班主任老师, 历史老师, 对方说, 关于老师…).
_NOT_SURNAME_AFTER = {
    "任": "主责信担上前现继放", "文": "语中英公发原全行条图", "安": "保公治平长晚早", "史": "历",
    "方": "对双警官地甲乙前后一各多他我药配处商业买卖", "金": "资现押租奖基黄罚美定订薪", "龙": "水",
    "高": "提最升增太很越偏过较更", "石": "岩碎砂沙", "于": "关由对位属至等终处善", "易": "容交贸简不",
    "程": "工过流课全路规日行编", "段": "路地时阶手片", "田": "农稻油", "江": "长沿", "黄": "发蛋",
    "马": "斑", "常": "经正非异日平通反", "向": "方一", "万": "千上成数几", "余": "多其业剩",
    "康": "健", "毛": "羽", "戴": "佩穿", "钱": "交价收付给要花赚挣有没", "洪": "防山", "施": "设措实",
    "白": "明空", "叶": "树落茶", "林": "树园森竹", "苏": "江", "周": "四每上下本一这两三几",
    "许": "允也或", "何": "如任为几", "梁": "桥", "谢": "感多答致道", "曾": "未不何", "钟": "分点时闹",
    "陆": "大着登", "范": "规示防模典", "付": "支应交对", "侯": "时等问气守伺", "贺": "祝庆",
    "顾": "照回光不", "孔": "面", "赖": "依信", "辛": "艰", "庄": "村农山", "齐": "整一", "涂": "糊",
    "李": "行", "张": "紧开扩夸慌",
}
# … and 主张 (to advocate), but not where 主 ends 业主 / 户主 / 房主 / 车主 / 店主 (业主张先生, 户主张建国).
_NOT_SURNAME_AFTER_WORD = {"张": "(?<!(?<![业户房车店船])主)"}
# Everyday words that start with a surname character (万一, 方便, 高兴, 周边, 施工, 顾客…), among them those that
# follow a role word (村民龙舟赛, 村民庄稼, 业主江景房, 居民钱财, 让居民舒心, 村民孙子: no 村民 named 龙舟赛).
_NOT_A_NAME = (
    "万一|方便|方面|方法|方案|方式|方向|马上|马路|高兴|高度|高速|高层|高中|高三|高温|高空|高楼|安全|安排|安装|"
    "安静|安置|周[一二三四五六日天末边围]|白天|白领|白色|金额|严重|严格|陆续|何时|何况|任何|任务|于是|常常|"
    "常年|常住|石头|程序|文明|文化|文件|黄色|黄昏|江边|毛病|龙头|夏天|钟点|钟头|施工|顾客|武警|熊孩|洪水|"
    "谢谢|康复|安卓|安心|安居|安宁|安稳|高龄|付费|付款|安保|田地|庄稼|龙舟|江景|钱财|钱款|舒心|舒适|舒服|武术|孙子|"
    "孙女|白事|黄金|林权|田埂|田间|张贴|张罗|张望|张开|张口|张扬|张挂"
)
# Characters that do not occur in given names but do follow surname characters in ordinary speech
# (向社区, 曾多次, 周边, 高兴地, 严格来说, 村民龙灯队, 林权证, 江景房…): a "given name" containing one is no name.
_NOT_IN_GIVEN_NAME = (
    "的了着过也都还又再就才在是和与跟同及对向给被把将让从到往于不没无很太更最已曾要会能可该应需得地们"
    "我你您他她它咱这那哪谁啥些么什个次多几每各上下里外边面前后旁附近围社区物业街道路巷村镇乡县市省组"
    "栋楼室号单元层居委部门局厅站所院校司公政府领导城管理相关级便法式案度排装经续额重格件序况务问题时"
    "候人员众户主说称反映投诉表示告举报电话手机码来去今昨此其并而但或即住厂商店卖买专农点乱队证卡房费打"
)
_GIVEN = rf"(?:(?![{_NOT_IN_GIVEN_NAME}])[{_HAN}])"
# Everyday words that read as a surname and a given name but name a plant, a thing or a place (杨树林 a poplar
# grove, 程控电话 a program-controlled telephone, 白玉兰, 马蜂窝, 高峰期…).  Only the rules that guess a name from a
# weak cue (after a plain 的, before 电话 / 家) skip them: where the text says a person is
# named (我叫杨树林, 村民杨树林, 已与杨树林沟通, 杨树林反映) the word is a name all the same.
_EVERYDAY = (
    "杨树林|杨树|杨柳|杨梅|胡杨|白桦|白玉兰|白杨|马蹄|马蜂|马尾松|马兰花|马齿苋|马桶|马达|马力|马拉松|马甲|马铃薯|"
    "杜鹃|丁香|朱顶红|唐菖蒲|罗汉松|罗汉竹|石榴|石狮|石墩|黄桷|黄葛|黄杨|黄牛|黄河|黄梅|黄土|黄花菜|黄鼠狼|金银花|"
    "常青藤|常春藤|万年青|夏枯草|龙爪槐|毛竹|兰花|胡萝卜|胡椒|何首乌|龙虾|熊猫|苏铁|叶子|林荫|林产|钟声|孔洞|"
    "程控|常用|黄页|梁结构|周长|周期|周转|余震|任意|任免|"
    "高峰|高铁|高山|高压|高架|高杆|高楼|高层|高血|高分|高科|高质|高技|高风|高标|高效|高蛋|高品|高利|高射|高材|"
    "高低|高档|高端|高级|高新|高考|高校|高管|高发|高价|高额|高频|高危|高强|高清|高手|高原|高等|高大|高尚|高贵|"
    "高雅|高远|高洁|高速|高温|高空|高度|高中|高兴|高龄|高烧|高热|"
    "黄菊|黄柏|汪洋|高德|安防|安检|沈阳|邵阳|邵东|高明|苏丹|苏宁|苏维埃|韩国|王国|秦国|吴国|魏国"
)


def _surname(exclude=""):
    """A surname at this position, unless it is the tail or the head of an everyday word."""
    guarded = [rf"(?<![{_NOT_SURNAME_AFTER[s]}]){_NOT_SURNAME_AFTER_WORD.get(s, '')}{s}" for s in _SURNAMES
               if s in _NOT_SURNAME_AFTER and s not in exclude]
    plain = "".join(s for s in _SURNAMES if s not in _NOT_SURNAME_AFTER and s not in exclude)
    return rf"(?!{_NOT_A_NAME})(?:{'|'.join(_COMPOUND_SURNAMES)}|[{plain}]|{'|'.join(guarded)})"


_SURNAME = _surname()
# 向 (towards), 曾 (once) and 于 (at) mostly start 向物业反映, 曾多次投诉, 于近日反映, not names.
_SURNAME_BEFORE_VERB = _surname(exclude="向曾于")
# What may follow a name that someone introduces: punctuation, a digit, the end, or the next item
# of a self-introduction (电话, 住在…).
_AFTER_NAME = (
    r"(?=[\s\d,.;:!?()\[\]<>\"'，。、；：！？（）【】《》“”‘’…—-]|$"
    r"|电话|手机|联系|微信|家住|住在|现住|今年|是|反映|投诉|举报|表示|说|称|告诉|的电话|的手机)"
)
# A full name someone gives: surname + one or two characters, ending where _AFTER_NAME says.
_NAME = rf"{_SURNAME}{_GIVEN}{{1,2}}{_AFTER_NAME}"
# Officials in office (李书记说, 王主任表示): not taken for a name.
_OFFICIAL = (
    "书记|主任|局长|处长|科长|所长|站长|村长|镇长|乡长|县长|市长|区长|部长|厅长|院长|校长|队长|组长|代表|委员"
    "|干部|警官|法官"
)
# Titles for private persons after a surname.
_HONORIFIC = "先生|女士|小姐|老师|师傅|阿姨|大爷|大妈|大娘|大姐|大哥|大叔|奶奶|爷爷|婆婆|老板|经理|医生|律师"

# A name that a cue announces (业主王小明多次投诉, 经与反映人王明沟通, 已与王小明现场核实): a surname and one or two
# given-name characters (no official's title), ending at _AFTER_NAME, at a word that cannot be part of a name
# (的, 在, 也, 说…) or at the first words of what the person did.  Place names that start with a surname
# character (高新区, 石门县) end in none of these, and stay.
_CUED_NAME_END = (
    rf"(?:{_AFTER_NAME}|(?=[的在也都还又已曾于向和与及对把被给从就才说称讲等今要想却便因将让不没并而但或]"
    r"|家(?![园苑居具电属庭常务乡政装纺用禽畜私])|沟通|核实|确认|协商|商量|见面|通话|签字|现场|当面|来电|来访|来信|多次|屡次|再次|几次|经常|一直|长期|曾经|一家"
    r"|夫妇|等人|本人|同志|先生|女士))"
)
_CUED_NAME = rf"{_SURNAME_BEFORE_VERB}(?!{_OFFICIAL}){_GIVEN}{{1,2}}"
# The last character of an office or a place (金融办, 林科大, 袁家岭, 白沙井, 朱张渡, 朱家湾, 韩国馆, 陈家桥, 杨家山) or
# of a word (陈述), which no given name ends in, or hardly ever: after a word that may take a place as well as a
# person (已与 / 告知 / 回访 / 联系, a dash), a "name" ending in one is none.  山 only after 家 (X家山 is a place,
# 王青山 a name).  Where a role or a label says a person follows (业主杨家山, 反映人…), the name stays a name.
_PLACE_END = "办馆处所站院校局委厅司社队部场店湾渡井岭坡塘港桥园苑湖坪冲铺寨庄述大界区县市镇乡"
_NOT_A_PLACE = rf"(?<![{_PLACE_END}])(?<!家山)"
# Who a person is to the matter, before their name: 业主王小明, 居民刘建华, 村民李四, 群众赵丽华.
# Also a welfare standing or an occupation (低保户周建平, 退役军人王大勇, 物业经理刘洋, 出租车司机刘强, 数学老师王丽;
# not 老师傅).
_CUE_ROLE = (
    "居民代表|村民代表|业主代表|业主|居民|村民|群众|住户|租户|市民|车主|商户|店主"
    "|低保户|五保户|特困户|贫困户|残疾人|退役军人|司机|经理|老师(?!傅)"
)
# What a person named after a role, a neighbour or a relative is said to do or be, beyond _CUED_NAME_END:
# 刘德福天天半夜装修, 刘桂兰行动不便, 刘国平瘫痪在床, 刘强拒载, 张国华申请不到补贴.
_DOING = (
    "天天|每天|总是|老是|整天|半夜|行动|腿脚|身体|瘫痪|卧床|生病|患|去世|住院|体罚|殴打|打人|打了|打伤|骂人|骂了"
    "|辱骂|威胁|恐吓|骚扰"
    "|拒|偷|逃|欠|占|堆|乱|私自|擅自|随意|养|装修|申请"
)
_STRONG_NAME_END = rf"(?:{_CUED_NAME_END}|(?<!家)(?={_DOING}))"  # 李四家每天…: 家 is the home

# --- the patterns: each removes the whole match, or only its group "pii" ------------------------

# What people type between the groups of a phone number: spaces, hyphens and the dashes Chinese input methods
# type (—, –, －, folded to -), dots (．folded to .) and middle dots: 139—0000—0001, 139.0000.0001.
_SEP = r"[\s\-\u2010-\u2015\u2212.\u00b7\u30fb\uff65]"

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# WeChat IDs (6-20 characters starting with a letter) and QQ numbers after their label;
# a WeChat "ID" that is a phone number is caught as a phone.
_IM_HANDLE = re.compile(
    r"(?:微信号?|(?i:v)信|薇信|(?i:wechat|weixin|vx|wx))\s*(?:号码?|(?i:id))?\s*(?:是|为)?\s*:?\s*"
    r"(?P<pii>[A-Za-z][-_A-Za-z0-9]{5,19})"
    r"|(?i:qq)\s*(?:号码?)?\s*(?:是|为)?\s*:?\s*(?P<qq>\d{5,12})"
)
# Identity cards (15 or 18 digits, last maybe X) and bank cards (16-19): 15 or more digits, in groups
# of at least three separated by a space or a hyphen (430102 19900101 1234); counted by _long_enough.
_LONG_NUMBER = re.compile(r"(?<!\d)\d{3,}(?:[ \-\u2010-\u2015]\d{3,})*(?:[ \-\u2010-\u2015]\d{1,2})?[Xx]?(?![\dA-Za-z])")
# … and such a number with an X inside (残疾人证号43010219500101123X21).
_LONG_NUMBER_WITH_X = re.compile(r"(?<![\dA-Za-z])\d+(?:[Xx]\d+)+[Xx]?(?![\dA-Za-z])")
# Licence plates: a province's character, the city's letter, perhaps a dot or a space, five or six letters and
# digits (湘A12345, 湘A·D12345, 粤B 12345X, new-energy plates); 湘江, 京港澳 have no letter and stay.
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z][\s\u00b7\u30fb\uff65.-]?"
    r"(?=[A-Z]*\d)[A-Z0-9]{5,6}(?![A-Za-z0-9])")
# Mobile numbers: 1[3-9]x xxxx xxxx, with an optional +86 / 0086 / 86 / (+86) prefix.
_MOBILE = re.compile(
    rf"(?<![\d+])(?:\(?(?:\+|00)\s*86\)?[\s-]*|86[\s-]?)?1[3-9]\d{_SEP}?\d{{4}}{_SEP}?\d{{4}}(?!\d)")
# Landlines with an area code: 0731-84567890, (0731)84567890, 0731 8456 7890, 0745-2345678.
_LANDLINE = re.compile(rf"(?<!\d)(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_SEP}?\d{{3,4}}{_SEP}?\d{{4}}(?!\d)")
# Any number of seven digits or more after a word that announces one (电话：84567890, 拨打 8456 7890).
_ANNOUNCED_NUMBER = re.compile(
    r"(?:电话|手机|座机|号码|拨打|致电|联系方式)\s*(?:号码?)?\s*(?:是|为)?\s*:?\s*"
    rf"(?P<pii>\(?\+?\d(?:(?:[()]|{_SEP})?\d){{6,13}})(?!\d)"
)
# A document's number after its name: 护照E12345678, 护照号码：E12345678, 社保卡号 1234567890, 驾驶证号…
_DOCUMENT_NUMBER = re.compile(
    r"(?:护照|通行证|社保卡|医保卡|社会保障卡|驾驶证|驾照|军官证|残疾证|残疾人证|证件)\s*(?:号码?)?\s*(?:是|为)?\s*:?\s*"
    r"(?P<pii>[A-Za-z]{0,2}\d{6,12}[A-Za-z]?)(?![A-Za-z\d])")
# The door number after a road, street, lane or village (and its 组): 人民路88号, 芙蓉中路二段100号,
# 东风村5组28号, 人民路88-1号院.  12路公交 has no 号 and stays.
_DOOR_NUMBER = re.compile(
    rf"(?:[路街巷弄村组段]|胡同)\s*(?P<pii>(?:{_NUM}\s*[组队]\s*)?{_NUM}(?:\s*[-之附]\s*{_NUM})*\s*号(?!线)[院楼]?)"
)
# Building, unit, floor and flat: 3栋2单元501室, 3号楼402, B座1205, 2单元501, 三栋二单元五零一室.
# A building number alone is removed in digits (3栋, 12号楼) but not in words (两栋楼, 一座桥: counts).
_FLOOR_AND_FLAT = rf"""
        (?:[\s-]*{_NUM}\s*[楼层](?![房上下]))?
        (?:[\s-]*(?:{_NUM}\s*(?:室|号房|房间?|号|户)|\d{{3,4}}(?!\d)|[零〇一二三四五六七八九]{{3,4}}))?"""
_FLAT = re.compile(
    rf"""
    (?:(?:\d+|[A-Za-z])\s*(?:号楼|栋|幢|座|号院)|[{_CN_DIGITS}]+\s*(?:号楼|栋|幢|座)(?=\s*{_NUM}\s*(?:单元|[楼层室号户])))
        (?:[\s-]*{_NUM}\s*单元)?{_FLOOR_AND_FLAT}
        (?!房|楼(?![上下]))
    | {_NUM}\s*单元{_FLOOR_AND_FLAT}
    """,
    re.VERBOSE,
)
# After an estate's zone or phase (3区, B区, 二期), a building written with 号 before its unit or flat (3区12号502,
# 二期5号1单元301, B区12号2单元601) or a building-flat pair (3区5-301).  The zone or phase stays, as the estate's
# name does; 第二期12号开始, 高新区12号线, 二期5-6月 and 一期12号100套 have no flat and stay.
_NOT_A_COUNT = r"(?![\d年月日号元块个次人户套辆台万千百米平吨条天岁%.:点分])"  # 一期12号100套房源, 二期1-300元
_ZONED_FLAT = re.compile(
    rf"""
    (?:\d+|[A-Za-z]|[{_CN_DIGITS}]+)\s*[区期]\s*
    (?P<pii>{_NUM}\s*号(?=[\s-]*(?:{_NUM}\s*单元|\d{{3,4}}{_NOT_A_COUNT}|{_NUM}\s*(?:室|房|户)))
        (?:[\s-]*{_NUM}\s*单元)?{_FLOOR_AND_FLAT}
    | \d{{1,2}}-\d{{3,4}}(?![\d-]){_NOT_A_COUNT})
    """,
    re.VERBOSE,
)
# Building-unit-flat in digits: 3-2-501.
_FLAT_TRIPLE = re.compile(r"(?<![\d-])\d{1,2}-\d{1,2}-\d{3,4}(?![\d-])")
# A flat number on its own: 501室, 1203房, 五零一室 (3室1厅 is a layout and stays).
_ROOM = re.compile(r"(?<!\d)(?:\d{3,5}|[零〇一二三四五六七八九]{3,4})\s*(?:室|房间?|号房)")
# A flat number after "upstairs", "next door", "lives in": 楼上602, 隔壁501, 住在1203 (住了300天 stays).
_FLAT_MENTIONED = re.compile(
    r"(?:楼上|楼下|隔壁|对门|对面|住在?|家住)\s*(?P<pii>\d{3,4}|[零〇一二三四五六七八九]{3,4})"
    r"(?![\d年月日号元块个路次多余万千百米平吨条辆人户天岁%.:点分])"
)
# After a label: 姓名：王小明, 联系人：刘女士, 投诉人:张三, 名字：王小明, 署名：陈国强 — any two to four characters;
# without the colon only a name that starts with a surname and ends as a cued one does (我的名字是王小明，,
# 经与反映人王小明沟通, 投诉人张三多次来电; 请联系人民医院 stays).
_NAME_AFTER_LABEL = re.compile(
    rf"(?:姓名|名字(?:是|为|叫)?|名叫|署名|落款|签名|联系人|反映人|投诉人|举报人|申请人|来电人|来访人|当事人|求助人"
    rf"|户主|称呼)"
    rf"(?:\s*:\s*(?P<pii>[{_HAN}]{{2,4}}?{_AFTER_NAME}|[{_HAN}]{{2,3}})|\s*(?P<named>{_NAME})"
    rf"|\s*(?P<cued>{_CUED_NAME}){_CUED_NAME_END})"
)
# Who a person is to the matter, then the name: 业主王小明多次投诉, 居民刘建华多次反映, 村民李四来电
# (群众反映强烈, 业主委员会, 居民小区: no surname follows).
_NAME_AFTER_ROLE = re.compile(rf"(?:{_CUE_ROLE})\s*(?P<pii>{_CUED_NAME}){_STRONG_NAME_END}")
# Someone saying who they are: 我叫王小明, 他叫李明，, 我是王小明，, 本人王小明, 本人是王小明。
# (我叫王师傅来修 is a title, 我是周边居民 / 我是常德人 no name: the name must end at _AFTER_NAME.)
_NAME_INTRODUCED = re.compile(rf"(?:(?:名字|名|我|他|她)叫|我是|本人是?)\s*(?P<pii>{_NAME})")
# A self-introduction that says first where the person lives or what they are, then the name after 的:
# 我是住在迎丰路12号的赵大明, 我是幸福小区3栋的刘建华，, 住在人民路88号的陈建国, 我是小区的业主王小明。
# Within one clause (no punctuation between), and the name must end as _NAME says, so that
# 我是这个小区的业主 / 住在这里的高层住户 keep their words.
_SELF_ROLE = "业主|住户|居民代表|居民|村民|租户|党员|志愿者|网格员|楼栋长"
_NAME_AFTER_WHERE = re.compile(
    rf"(?:我是|我叫|本人是?|住在|家住|现住)[^\s,.;:!?()\[\]<>\"'，。、；：！？（）【】《》“”‘’…]{{1,20}}?的\s*"
    rf"(?:{_SELF_ROLE})?\s*(?P<pii>{_NAME})"
)
# A self-introduction by occupation or standing, then the name, with no 的 between: 我是一名退休教师刘建华,
# 我是一位老党员陈国强, 本人是一名出租车司机王强. Within one clause, ending in one of these words, and the name
# must be one (_NAME), so that 我是一名退休教师，… / 我是一名教师常年住在这里 keep their words.
_OCCUPATION = (
    "教师|老师|医生|护士|工人|农民|司机|学生|职工|干部|党员|军人|律师|会计|工程师|个体户|商户|店主|环卫工|保洁员"
    f"|快递员|外卖员|{_SELF_ROLE}"
)
_NAME_AFTER_OCCUPATION = re.compile(
    rf"(?:我是|本人是?)(?:一名|一位|一个|个)?[^\s,.;:!?()\[\]<>\"'，。、；：！？（）【】《》“”‘’…]{{0,8}}?"
    rf"(?:{_OCCUPATION})\s*(?P<pii>{_NAME})"
)
# A relation of the writer's, then the name: 我老婆李梅, 我爱人张丽说, 我的女儿王芳 (我老婆说… has no name).
_RELATION = (
    "老婆|老公|妻子|丈夫|爱人|媳妇|儿媳|女婿|儿子|女儿|父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|爷爷|奶奶|外公|外婆"
    "|孙子|孙女|爸|妈|哥|姐|弟|妹"
)
_NAME_OF_RELATION = re.compile(rf"(?:我|本人)(?:的|家)?(?:{_RELATION})\s*(?P<pii>{_NAME})")
# A neighbour or a relative (anyone's), then the name before what the person does or is: 邻居王建军经常…, 楼上邻居
# 刘德福天天…, 对门刘建华…, 他女儿陈小红经常逃学, 我老伴儿刘桂兰行动不便, 孙子王浩然也… (邻居们, 邻居家的狗,
# 母亲常年卧床, 儿子高中毕业, 儿子高考打不起精神, 邻居高声打电话 have no name).  The one-character relations (爸, 哥…) only count after 我 (above).
_KIN_OR_NEIGHBOUR = (
    "老伴儿?|邻居|对门|"
    + "|".join(relation for relation in _RELATION.split("|") if len(relation) > 1)
)
_NAME_OF_KIN_OR_NEIGHBOUR = re.compile(
    rf"(?:{_KIN_OR_NEIGHBOUR})\s*(?!{_EVERYDAY})(?P<pii>{_CUED_NAME}{_NOT_A_PLACE}){_STRONG_NAME_END}")
# A name spelt out with spaces after 叫: 我叫王 小 明, 我叫王 小明.
_NAME_SPACED = re.compile(
    rf"(?:名字|名|我|他|她)叫\s*(?P<pii>{_SURNAME}(?:\s*{_GIVEN}){{1,2}}{_AFTER_NAME})")
# A surname given on its own: 本人姓陈, 我姓王, 一位姓刘的…, 老板姓黄.
_SURNAME_GIVEN = re.compile(
    rf"(?:我|本人|他|她|对方|一位|那位|这位|个|老板娘?|房东|师傅|司机|邻居|车主|店主|男的|女的|男子|女子)姓"
    rf"\s*(?P<pii>{_SURNAME})")
# A name before what the person said or did, or their home or phone: 李四反映, 张三说, 王五投诉,
# 王五家, 张建国家门口, 李四的电话 (but not 家园/家具, 家长, 大家, 商家, 国家, 听说, 名称…).
# What a home is said to have or do (门口, 里, 楼上, 装修, 养的狗…): after a full name ending in 国 or 东, 家 is the
# person's home (张建国家门口, 王卫东家每天装修), not the word the two spell (国家标准, 东家).
_HOME = (
    "门口|门前|门外|大门|里|中|楼上|楼下|院|屋|房|附近|旁边|隔壁|对面|后面|前面|的|养|孩子|小孩|老人|狗|装修|漏水|"
    "占|私|违|搭|天天|每天|经常|一直|总是|晚上|半夜|白天"
)
_NAME_BEFORE_VERB = re.compile(
    rf"(?!(?:{_EVERYDAY})的?(?:电话|手机|微信|家))"  # 程控电话, 常用电话: no person's phone
    rf"(?P<pii>{_SURNAME_BEFORE_VERB}(?!{_OFFICIAL}){_GIVEN}{{1,2}}?)"
    r"(?:反映|投诉|举报|表示|告诉|声称|(?<![听据传小演解游劝虽再就还又都也来而胡瞎乱诉述学如])说"
    r"|(?<![名简号声自俗统宣堪职尊昵爱总通并著])称|(?:的)?(?:电话|手机|微信)"
    r"|(?<![大人东老自我你他她作画行专国商店厂卖买农管回娘婆亲邻皇])家(?![园苑居具电属庭常务乡政装纺用禽畜私长])"
    rf"|(?<=[{_SURNAMES}][{_HAN}][国东])家(?={_HOME}))"
)
# A name after a plain 的: a full name before what the person keeps doing (我们小区的陈国强经常把车停在消防通道上,
# 隔壁单元的李秀英天天在楼道里烧香, 对门的刘建华私自占用过道), before 在 or a punctuation mark (隔壁单元的李秀英在楼道里
# 烧香, 投诉五楼的张卫东。), and a two-character name before either (我们楼的王强经常…, 楼上的张丽在阳台上养鸡).
# After 的 plants, things and places stand as often as people, so a name there is none that is an everyday word
# (_EVERYDAY: 杨树林, 马蜂窝, 高峰期), nor ends as a thing does (_THING_END: 高压线, 周转房, 黄桷树, 董事长, 马铃薯)
# or a place (村里的石拱桥).  Before 在 or a punctuation mark its surname must be a _PERSON_SURNAME
# (小区的白玉兰在开花, 门口的石狮子在风化), and a two-character one must end in a common one-character given name
# (_ONE_CHAR_GIVEN: 路边的杨树经常…, 小区的安保一直…, 门口的石墩一直…, 楼上的马桶经常… stay).
_THING_END = "线房田树厂店棚亭井池塘沟渠坑墙门灯车鸡鸭鹅狗猫鱼窝色性率量期类病矿菜薯形团狼球术险质压糖脂炮窟器画坝埠崮河米酸杠子石长家"
_HABITUALLY = "经常|一直|天天|每天|总是|常常|老是|整天|长期|多次|屡次|私自|擅自|随意|随便|乱[停放扔堆倒搭建]|霸占|占用|把"
_FULL_NAME_AFTER_DE = (
    rf"(?!{_EVERYDAY}){_SURNAME_BEFORE_VERB}(?!{_OFFICIAL}){_GIVEN}(?![{_THING_END}]){_GIVEN}{_NOT_A_PLACE}")
# Given names of one character (王强, 刘伟, 张丽, 陈杰): a two-character "name" after 的 must end in one of these, as
# 杨树, 安保, 田地, 马路, 石墩, 龙虾 do not.
_ONE_CHAR_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲飞红辉鹏斌宇浩凯健俊帆帅旭宁林婷倩颖琳雪慧晶莉萍梅琴"
    "云亮成东建彬兵虎晨阳欢毅峰博振坤荣彤悦睿轩涵萱琪瑶怡欣佳璐蕾薇楠妍岩彪昊然松柏权勤源奇庆锋辰鑫晓"
    "蓉燕莹丹雯洁露珍凤翠菊琼娇媛婧姗珊瑜瑾璇琦瑞祥福贵顺利兴旺春秋冬坚威豪雄贤良德仁义忠孝诚谦恒永远达鸿"
    "翔腾跃升进立志功卫民乐喜哲思梦真朴纯琛玮瑛"
)
# Next to a phone number a person is the likelier reading than after 的: more given names count there.
_ONE_CHAR_GIVEN_NEAR_PHONE = (
    f"{_ONE_CHAR_GIVEN}三四五六鹤艺嘉淑惠香莲芝贞珠娥素彩爱莺凡娣璧娅茜锦黛青姣婉娴婵雁仪荷眉君蕊菁岚婕馨韵卿聪澜"
    "毓昭爽茗羽希滢筠柔霭凝霄枫芸菲寒伊亚宜舒影荔妮宝贝罡骅剑纪灵媚晴容烁威苇阅彦雨宗曼紫逸蝶菡勇毅俊保永健世"
    "广胜祥新清富信昌康星光茂和先敬震壮群邦承绍善厚友裕谦亨固翰朗伯宏言若鸣朋栋维启克伦泽致炎泰盛钧冠策楠榕风"
    "航弘"
)
_NAME_AFTER_DE = re.compile(
    rf"的\s*(?:(?P<pii>{_FULL_NAME_AFTER_DE})(?={_HABITUALLY})"
    rf"|(?P<full>(?={_PERSON_SURNAME}){_FULL_NAME_AFTER_DE})(?=在|[,.;!?，。；！？…]|$)"
    rf"|(?P<short>(?!{_EVERYDAY})(?={_PERSON_SURNAME}){_SURNAME_BEFORE_VERB}(?!{_OFFICIAL})[{_ONE_CHAR_GIVEN}])"
    rf"(?=在|[,.;!?，。；！？…]|$|{_HABITUALLY}))")
# A full name starting a sentence or a clause, before what the person keeps doing or did to someone: 王建军经常在楼道
# 堆放杂物, 张丽体罚学生.  As after 的, no everyday word, thing or place (王府井经常堵车, 张家界天天有游客, 李子园经常
# 积水, 雷雨经常导致停电, 董事长经常不在), and a two-character name ends in a common one-character given name.
_DEED = rf"{_HABITUALLY}|体罚|殴打|打骂|打人|打了|辱骂|骂人|威胁|恐吓|骚扰|拒载|偷"
_NAME_STARTING_A_SENTENCE = re.compile(
    rf"(?:^|(?<=[。.!?;,:\n]))\s*(?P<pii>(?={_PERSON_SURNAME})(?:{_FULL_NAME_AFTER_DE}"
    rf"|(?!{_EVERYDAY}){_SURNAME_BEFORE_VERB}(?!{_OFFICIAL})[{_ONE_CHAR_GIVEN}]))(?={_DEED})", re.MULTILINE)
# A surname, perhaps with the given name, and a title: 刘女士, 陈师傅, 王大爷, 欧阳老师, 李建国先生,
# 王小明同志 (but not 高中老师 or 安装师傅: everyday words are no surnames).
_NAME_WITH_TITLE = re.compile(rf"{_SURNAME}(?!{_OFFICIAL}){_GIVEN}{{0,2}}?(?:{_HONORIFIC}|同志)")
# The person a reply speaks to, as replies begin and end: 张三您好, 尊敬的赵丽华：, 回复：陈大勇，,
# 感谢王小明的反映, 已电话联系刘建华, 一位叫陈大勇的居民.
_PERSON = rf"{_SURNAME}(?!{_OFFICIAL}){_GIVEN}"  # a surname and given-name characters, no official's title
_ADDRESSEE = rf"(?P<pii>{_PERSON}{{1,2}}?)(?:同志|先生|女士)?"
_NAME_GREETED = re.compile(rf"{_ADDRESSEE}\s*[,:]?\s*(?:您好|你好)")
_NAME_SALUTED = re.compile(rf"(?:尊敬的|亲爱的|(?:回复|答复|致)\s*:\s*){_ADDRESSEE}\s*[,:!]")
# What a reply says was told the person or done about their matter, after their name: 已告知王小明处理结果,
# 经联系王建国本人, 已电话告知李秀英办理情况.
# Not 有关 / 相关 / 具体 alone: X有关部门 is "the departments concerned with X", a city's, a district's or a company's
# (X有关情况, what was told of the matter, is).
_REPLY_OBJECT = "本人|同志|处理|办理|结果|情况|进展|进度|答复|回复|意见|诉求|有关情况|相关情况"
# Before these weak cues (what was told or done, a verb of talking, 本人, 回复X：) places and companies stand as often
# as people (告知常德处理结果, 和万科沟通, 和武汉确认, 回复万科：, 黄河本人), so the "name" must look like one: no everyday
# word; three characters, a surname and two given-name characters, not ending as a place or an organisation does
# (望城区, 马坡岭, 万达城, 工商行); or two, a surname few words start with and a common one-character given name
# (王强; not 万科, 武汉, 常德, 黄河, 黄花, 高新).
_ORG_OR_PLACE_END = f"{_PLACE_END}城州省村组路街巷河江山岛厂行团会业科网通"
_LIKELY_NAME = (
    rf"(?!{_EVERYDAY})(?:{_SURNAME_BEFORE_VERB}(?!{_OFFICIAL}){_GIVEN}{_GIVEN}(?<![{_ORG_OR_PLACE_END}])(?<!家山)"
    rf"|(?={_PERSON_SURNAME}){_SURNAME_BEFORE_VERB}(?!{_OFFICIAL})[{_ONE_CHAR_GIVEN}])")
# … and without a colon after 回复: 回复王建国：已修复 (回复时间：, 回复周期：, 答复意见： are labels, no names).
_NAME_REPLIED_TO = re.compile(rf"(?:回复|答复|致)\s*(?P<pii>{_LIKELY_NAME})(?:同志|先生|女士)?\s*:")
_NAME_THANKED = re.compile(rf"感谢(?:您|你)?{_ADDRESSEE}(?:的|对|反映|提出)")
_NAME_CONTACTED = re.compile(
    rf"联系(?:了|上)?\s*(?:(?P<pii>{_PERSON}{{1,2}}{_NOT_A_PLACE}){_AFTER_NAME}|(?P<likely>{_LIKELY_NAME})(?={_REPLY_OBJECT}))")
# A reply telling what was done with the person: 已与王小明现场核实, 经与王明沟通, 已告知王小明, 回访李四.  A two-character
# name there ends in a given name (王明, 李四; not 已经和万科沟通, 经与武汉确认, 已与黄河沟通: a company, a city, a river).
_CUED_NAME_2_OR_3 = rf"{_SURNAME_BEFORE_VERB}(?!{_OFFICIAL})(?:{_GIVEN}{_GIVEN}|[{_ONE_CHAR_GIVEN_NEAR_PHONE}])"
_NAME_DEALT_WITH = re.compile(
    r"(?:(?:经|已|已经|并|再|再次|均|现|先|即|后|随即|立即)(?:与|和|同|跟|向)|告知|通知|转告|回访|致电|约谈|走访|慰问|提醒)"
    rf"(?:了)?\s*(?:(?P<pii>{_CUED_NAME_2_OR_3}{_NOT_A_PLACE}){_CUED_NAME_END}|(?P<likely>{_LIKELY_NAME})(?={_REPLY_OBJECT}))")
# The person someone talked a matter over with, after a plain 和 / 与 / 同 / 跟 (和王建国确认过位置, 我们同刘建华
# 沟通后…): only before a verb of talking or checking, so that 路灯和高压线…, 水和电都停了 keep their words; not an
# office, a place or an everyday word (和物业确认, 与江北区确认, 同施工方核实).
_NAME_TALKED_WITH = re.compile(
    rf"(?:和|与|同|跟)\s*(?P<pii>{_LIKELY_NAME})"
    r"(?=沟通|核实|确认|协商|商量|见面|面谈|通话|通电话|联系|交流|对接|约定|说明|解释|反映|了解)")
# A person named on their own before 本人 (王建国本人表示满意, 经联系王建国本人): 申请人本人, 业主本人, 我本人 name nobody.
_NAME_HIMSELF = re.compile(rf"(?P<pii>{_LIKELY_NAME})(?=本人)")
# A reply greeting the person by name after 您好: 您好，王小明！
_NAME_AFTER_GREETING = re.compile(
    rf"(?:您好|你好)\s*[,:!]?\s*(?P<pii>{_CUED_NAME})\s*(?=[,:;!?。、]|$)")
# A signature: ——王小明 (at the end of a line, perhaps with a full stop, or before its date), not a place
# (——韩国馆, 修路——朱家湾2024年).
_NAME_SIGNED = re.compile(
    rf"[\u2014\u2015~\-]{{1,2}}\s*(?P<pii>{_SURNAME}{_GIVEN}{{1,2}}{_NOT_A_PLACE})"
    rf"(?=[。.!]?\s*$|[\s,]*\d{{4}}\s*[年./-])", re.MULTILINE)
_NAME_CALLED = re.compile(
    rf"(?<![呼喊尖吼鸣大])叫\s*(?P<pii>{_PERSON}{{1,2}}(?:(?=的)|{_AFTER_NAME}))")


# A name written right before a phone number, with a space, a colon or 电话 / 手机 between (垃圾桶满了，李四
# 13700001111, 王小明：13700001111, 李四 电话：13700001111), or with a comma where the name stands alone (。王强，
# 13700001111): whose number it is.  Not an official (社区李书记 13700001111); a two-character name ends in a common
# one-character given name (李四, 王鹤, 张嘉; not 程控电话, 常用电话), a three-character one does not end as a thing does.
_PHONE = rf"(?:{_MOBILE.pattern}|{_LANDLINE.pattern})"
_NAME_NEAR_PHONE = (
    rf"{_SURNAME_BEFORE_VERB}(?!{_OFFICIAL})"
    rf"(?:{_GIVEN}(?![{_THING_END}]){_GIVEN}{_NOT_A_PLACE}|[{_ONE_CHAR_GIVEN_NEAR_PHONE}])")
_NAME_BEFORE_PHONE = re.compile(
    rf"(?P<pii>{_NAME_NEAR_PHONE})"
    rf"(?=\s*:?\s*(?:(?:的)?(?:电话|手机|座机)(?:号码?)?\s*(?:是|为)?\s*:?\s*)?{_PHONE})"
    rf"|(?<![{_HAN}])(?P<alone>{_NAME_NEAR_PHONE})(?=\s*,\s*{_PHONE})")
# … or right after it, standing alone (电话：13700001111 王强, 请回电13700001111（李四）); 13700001111 周一至周五都可以打
# and 13700001111王强住5栋 (a name that runs on into the sentence) keep their words.
_NAME_AFTER_PHONE = re.compile(
    rf"{_PHONE}\s*\(?\s*(?P<pii>{_NAME_NEAR_PHONE})(?=[\s,.;:!?()。、]|$)")


# The next name of a list after one a cue announced (已与王小明、李四沟通, 业主王小明和李四多次投诉, 已告知王小明、李四及
# 赵丽华): a surname and one or two given-name characters after 、 / 和 / 及 / 与 / 跟 / a comma, ending as the cued
# name does (已与王小明和物业沟通, 已与王小明、李书记沟通 keep the office and the official).
_NEXT_IN_LIST = re.compile(
    rf"\s*(?:[、和及与跟,]|以及)\s*(?P<pii>{_CUED_NAME}{_NOT_A_PLACE}){_CUED_NAME_END}")


def _long_enough(match):
    return sum(c.isdigit() for c in match.group()) >= 15


_RULES = [
    (_EMAIL, None),
    (_IM_HANDLE, None),
    (_LONG_NUMBER, _long_enough),
    (_LONG_NUMBER_WITH_X, _long_enough),
    (_PLATE, None),
    (_MOBILE, None),
    (_LANDLINE, None),
    (_ANNOUNCED_NUMBER, None),
    (_DOCUMENT_NUMBER, None),
    (_DOOR_NUMBER, None),
    (_FLAT, None),
    (_ZONED_FLAT, None),
    (_FLAT_TRIPLE, None),
    (_ROOM, None),
    (_FLAT_MENTIONED, None),
    (_NAME_AFTER_LABEL, None),
    (_NAME_INTRODUCED, None),
    (_NAME_AFTER_WHERE, None),
    (_NAME_AFTER_OCCUPATION, None),
    (_NAME_OF_RELATION, None),
    (_NAME_OF_KIN_OR_NEIGHBOUR, None),
    (_NAME_SPACED, None),
    (_SURNAME_GIVEN, None),
    (_NAME_BEFORE_VERB, None),
    (_NAME_AFTER_DE, None),
    (_NAME_STARTING_A_SENTENCE, None),
    (_NAME_BEFORE_PHONE, None),
    (_NAME_AFTER_PHONE, None),
    (_NAME_WITH_TITLE, None),
    (_NAME_GREETED, None),
    (_NAME_SALUTED, None),
    (_NAME_REPLIED_TO, None),
    (_NAME_THANKED, None),
    (_NAME_CONTACTED, None),
    (_NAME_CALLED, None),
    (_NAME_AFTER_ROLE, None),
    (_NAME_DEALT_WITH, None),
    (_NAME_TALKED_WITH, None),
    (_NAME_HIMSELF, None),
    (_NAME_AFTER_GREETING, None),
    (_NAME_SIGNED, None),
]


# The rules whose name may start a list of names (_NEXT_IN_LIST): after a label, a role or a reply's verb.
_LISTING = frozenset({_NAME_AFTER_LABEL, _NAME_AFTER_ROLE, _NAME_DEALT_WITH, _NAME_TALKED_WITH})


def _fold(text):
    """NFKC, one character at a time and only where it stays one character, so that positions in the
    folded text are positions in the original: １３８ -> 138, ＋ -> +, ： -> :, （ -> (."""
    folded = []
    for char in text:
        normal = unicodedata.normalize("NFKC", char)
        folded.append(normal if len(normal) == 1 else char)
    return "".join(folded)


# Phone numbers written in Chinese numerals (一三八一二三四五六七八, 幺 for 1, 〇 / 零 for 0) are looked for by the
# phone rules in a copy with those numerals as digits, one character for one, so that positions stay the same.
# Only runs of three numerals or more are turned into digits there (a phone's groups have three or four): a single
# one next to a number is a word (电话0731-84567890一直没人接, 李四13700001111).  Only the phone rules read that
# copy: 三栋二单元, 一二年, 十一月 are the other rules' business, and stay as they were.
_CN_DIGIT_TO_ASCII = str.maketrans("〇零幺一二三四五六七八九壹贰叁肆伍陆柒捌玖", "001123456789123456789")
_CN_DIGIT_RUN = re.compile("[〇零幺一二三四五六七八九壹贰叁肆伍陆柒捌玖]{3,}")
_PHONE_RULES = frozenset({_MOBILE, _LANDLINE, _ANNOUNCED_NUMBER})


def _numerals_as_digits(folded):
    return _CN_DIGIT_RUN.sub(lambda run: run.group().translate(_CN_DIGIT_TO_ASCII), folded)


def _spans(folded):
    """(start, end) of every piece to remove; a match removes its named group if it has one that
    took part, else the whole match."""
    digits = _numerals_as_digits(folded)
    for pattern, keep in _RULES:
        for match in pattern.finditer(digits if pattern in _PHONE_RULES else folded):
            if keep is not None and not keep(match):
                continue
            groups = [name for name, value in match.groupdict().items() if value is not None]
            span = match.span(groups[0]) if groups else match.span()
            yield span
            if pattern in _LISTING:  # the names listed after this one
                while (following := _NEXT_IN_LIST.match(folded, span[1])) is not None:
                    span = following.span("pii")
                    yield span


def is_phone(value):
    """Whether ``value`` (a contact field) is a phone number, as ``known`` masks one in any grouping."""
    value = _fold((value or "").strip())
    return bool(re.fullmatch(r"[\d\s()+\-]+", value)) and len(re.sub(r"\D", "", value)) >= 5


def _known_spans(folded, known):
    """(start, end) of every occurrence of what is known of the writer (``known``: the contact phone an item
    was filed with): a phone number in any grouping of its digits (1391 2345 678, １３９１－２３４５－６７８),
    anything else as written; a blank value, or one of a single character, masks nothing."""
    for value in known:
        value = _fold((value or "").strip())
        if is_phone(value):
            pattern = "|".join(rf"(?<!\d){f'{_SEP}?'.join(number)}(?!\d)" for number in _phone_forms(value))
        elif len(value) >= 2:
            pattern = re.escape(value)
        else:
            continue
        yield from (match.span() for match in re.finditer(pattern, folded))


def _phone_forms(value):
    """The digit strings a phone number ``value`` is written as: all its digits (less a +86 / 0086 / 86 in
    front), and for a landline with an area code (0731-84567890, 010 62345678) its local number alone
    (84567890), as it is mostly written by those who share the area code."""
    digits = re.sub(r"\D", "", value)
    national = re.sub(r"^(?:0086|86)(?=\d{9,})", "", digits) if len(digits) > 11 else digits
    if national != digits and not re.fullmatch(r"0\d+|1[3-9]\d{9}", national):
        national = "0" + national  # +86 731 84567890, +86 10 62345678: after the country code, no 0
    forms = [national]
    # Area codes: 010 and 020-029 have three digits, the others four; local numbers seven or eight.
    area = 3 if national[1:2] in ("1", "2") else 4
    if national.startswith("0") and not national.startswith("00") and 7 <= len(national) - area <= 8:
        forms.append(national[area:])
    return forms


def redact_item_text(item, text):
    """``text`` of a suggestion (its words, its reply, a note on its timeline) as another citizen or the
    public may read it: ``redact``, and the contact phone the item was filed with masked wherever it is."""
    return redact(text, known=(item.contact_phone,))


def public_content(item):
    """``item``'s words as the public pages show them: those an administrator approved (``public_content``)
    or else the citizen's, redacted either way (an approved text is typed by a person, who may paste a name
    or a number back in: redacting it again costs at most a word the preview shows masked)."""
    return redact_item_text(item, item.content if item.public_content is None else item.public_content)


def public_reply(item):
    """``item``'s reply as the public pages show it: as ``public_content`` does for its words."""
    return redact_item_text(item, item.reply_content if item.public_reply is None else item.public_reply)


def redact(text, known=()):
    """The text with names, phone, ID and bank-card numbers, e-mail / WeChat / QQ handles and
    door-level addresses replaced by ``***``, and each of ``known`` (what the item at hand knows of its
    writer: its contact phone) wherever it occurs; None and "" are returned as they are."""
    if not text:
        return text
    folded = _fold(text)
    return _masked(text, [*_spans(folded), *_known_spans(folded, known)])


def mask_known(text, known):
    """The text with only each of ``known`` masked wherever it occurs, as ``redact`` masks it (a phone in any
    grouping): for words that are not the writer's own (a deputy's reply quoting the citizen's number),
    whose other names are the official record's. None and "" are returned as they are."""
    if not text:
        return text
    return _masked(text, list(_known_spans(_fold(text), known)))


def _masked(text, spans):
    """``text`` with each of ``spans`` (positions in its folded copy, the same as in it) replaced by one
    ``***``; overlapping or touching spans become one."""
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:  # overlapping or touching pieces become one ***
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, position = [], 0
    for start, end in merged:
        pieces += [text[position:start], MASK]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
