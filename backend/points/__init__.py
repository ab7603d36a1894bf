"""履职积分: the rulebook (代表履职评分细则), the points ledger and the leaderboard."""
