"""Junk in the ranking's filters and pager (NUL bytes, huge numbers, unknown values) is refused or ignored, never a 500."""

def test_probe(app, world, client):
    base = f"/t/alpha/evaluation/results/{world.a.eval_result_period_id}/"
    bad = []
    for q in ["?pool=%00", "?q=%00", "?grade=x", "?level=x", "?area_id=99999999999999999999", "?area_id=-1",
              "?page=abc", "?page_size=7", "?pool=" + "x" * 5000, "?q=" + "字" * 200, "?area_id=%00", "?grade=%00",
              "?level=%00", "?pool=a&pool=b", "?area_id=1.5"]:
        r = client.get(base + q)
        if r.status_code >= 500:
            bad.append((q, r.status_code))
    assert not bad
