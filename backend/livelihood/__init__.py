"""民生实事项目代表票决制: livelihood projects proposed by citizens, voted by deputies, then supervised."""
