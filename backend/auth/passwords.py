"""The policy for administrators' passwords, wherever one is set (the API, the console, the commands): long
enough, not one character or a short run repeated, not a sequence or a row of the keyboard, not holding the
username, not one of the passwords guessers try first. Each refusal says why, in Chinese.

The demo's accounts and the test factories' are made by ``services.create_admin`` directly, outside it: their
passwords are published anyway (the demo refuses to load under APP_ENV=production)."""
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
LENGTH_MESSAGE = f"密码须为 {MIN_PASSWORD_LENGTH} 至 {MAX_PASSWORD_LENGTH} 个字符。"
REPEATED = "密码不能由同一个字符或一小段字符重复组成。"
SEQUENCE = "密码不能是连续的数字、字母或键盘上连着的一排键（如 1234567890、abcdefghij、qwertyuiop）。"
HAS_USERNAME = "密码不能包含用户名。"
COMMON = "这个密码太常见，很容易被猜中，请换一个。"

# Runs a guesser walks along: digits, the alphabet, the keyboard's rows (forwards or backwards).
_RUNS = ("01234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp")
# The passwords of ten characters and more that lead the leaked lists, Chinese sites' among them (lower case).
_COMMON = frozenset("""
password1 password12 password123 password1234 passw0rd123 p@ssw0rd123 p@ssword123 password@123 password!
1234567890 12345678910 0123456789 1234567899 1111111111 0000000000 1234554321 1357924680 1122334455
qwertyuiop qwerty1234 qwerty12345 qwerty123456 1qaz2wsx3edc 1qaz@wsx3edc 1q2w3e4r5t 1q2w3e4r5t6y
qazwsxedc123 zxcvbnm123 asdfghjkl1 abc1234567 abcd123456 abcd@12345 a123456789 aa12345678 aa123456789
admin12345 admin123456 admin@1234 admin@12345 admin@123456 admin#12345 administrator admin1234567
root123456 root@12345 test123456 test@12345 welcome123 welcome@123 iloveyou123 woaini1314 woaini520520
5201314520 1314520520 huawei123456 huawei@123 p@ssw0rd12 p@ssw0rd! changeme123 letmein123 sunshine123
football123 baseball123 superman123 whatever123 trustno1234 qwe123456789 123qweasdzxc 123456qwerty
zaq12wsxcde abc123abc123 gov12345678 renda12345 renda123456 mashangban mashangban123 msb1234567
""".split())


def password_problem(password, username=""):
    """Why ``password`` may not be an administrator's (one Chinese sentence), or None."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return LENGTH_MESSAGE
    lowered = password.lower()
    if any(lowered == lowered[:size] * (len(lowered) // size) + lowered[:len(lowered) % size] for size in (1, 2, 3)):
        return REPEATED
    if any(lowered in run or lowered in run[::-1] for run in _RUNS):
        return SEQUENCE
    if username and len(username) >= 3 and username.lower() in lowered:
        return HAS_USERNAME
    if lowered in _COMMON:
        return COMMON
    return None
