"""News no longer true is not sent late: a 待接单 notice still waiting in the outbox when its item is withdrawn,
merged into another or dispatched to another deputy is dropped, not sent when the sweep next runs."""
from .factories import screen
from .test_suggestion_sweep_stats import sweep
from .test_suggestions import file, step, world  # noqa: F401  (fixture)


def test_a_waiting_notice_about_an_item_withdrawn_merged_or_dispatched_to_another_is_not_sent(
        app, client, world, wechat_standin):  # noqa: F811
    withdrawn, merged, kept = (file(client, world["citizen"], world["deputy_code"], content=f"第{n}条：路灯坏了。")
                               .json for n in range(3))
    moved = file(client, world["citizen"], world["station_code"], content="第四条：井盖松动。").json
    screen(app)  # the 待接单 notices are queued, not sent yet
    assert step(client, world["citizen"], withdrawn["id"], "withdraw").status_code == 200
    assert step(client, world["admin"], merged["id"], "merge", into_id=kept["id"]).status_code == 200
    for deputy in ("zhang", "li"):
        assert step(client, world["admin"], moved["id"], "dispatch", deputy_id=world[deputy].id).status_code == 200
    sweep(app)
    told = sorted((m["touser"], m["data"]["character_string1"]["value"], m["data"]["thing4"]["value"])
                  for m in wechat_standin.messages() if m["template_id"] == "tmpl-new-item")
    assert told == sorted([(f"fake-openid-deputy{world['zhang'].id}", kept["number"], "您有一条新的群众建议待接单"),
                           (f"fake-openid-deputy{world['li'].id}", moved["number"], "您有一条新的群众建议待接单")])
