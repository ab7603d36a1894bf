"""The national working-day calendar (工作日): weekends rest, except the State Council's 调休 make-up
working days, and its public holidays rest. Only the exceptions are stored (``work_calendar_days``),
so that an operator adds next year's arrangement when it is published, without a release."""
