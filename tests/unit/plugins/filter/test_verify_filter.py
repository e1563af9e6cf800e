"""What each Region's probe must get (verify_expectations); the verify role's verdict (verify_verdict)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.multiregion.client_vpn.plugins.filter.verify import FilterModule
from ansible_collections.multiregion.client_vpn.plugins.filter.verify import verify_expectations
from ansible_collections.multiregion.client_vpn.plugins.filter.verify import verify_verdict

VPN = "vpn.example.com"
ZONE = "example.com"
RANDOM = "probe-42.vpn.example.com"
PROBES = {"us-east-1": "192.0.2.10", "us-west-2": "198.51.100.10", "eu-west-1": "203.0.113.10"}
REGIONS = list(PROBES)


def value(region):
    return f"vpn.cvpn-endpoint-{region}.prod.clientvpn.{region}.amazonaws.com"


def endpoint(region, present=True, probe=True):
    return {
        "region": region,
        "id": f"cvpn-endpoint-{region}" if present else "",
        "status": "available" if present else "missing",
        "dns_name": f"*.cvpn-endpoint-{region}.prod.clientvpn.{region}.amazonaws.com" if present else "",
        "record_value": value(region) if present else "",
        "probe_ip": PROBES[region] if probe else "",
    }


ENDPOINTS = [endpoint(region) for region in REGIONS]


def answers(*names, met=None, wait=None):
    """A registered route53_dns_answer_info result: one answer per name (None: Route 53 answered nothing)."""
    met = [True] * len(names) if met is None else met
    result = {
        "answers": [{"record_data": [] if name is None else [name], "expected_met": ok} for name, ok in zip(names, met)]
    }
    if wait is not None:
        result["wait"] = wait
    return result


def record_sets(*regions):
    return {
        "ResourceRecordSets": [
            {"Name": f"{VPN}.", "Type": "CNAME", "Region": r, "SetIdentifier": r, "HealthCheckId": f"hc-{r}"}
            for r in regions
        ]
        + [{"Name": f"*.{VPN}.", "Type": "CNAME", "ResourceRecords": [{"Value": VPN}]}]
    }


def health(**observations):
    """A registered route53_info loop result: per Region, its checkers' statuses (None: the status was unreadable)."""
    results = []
    for region, statuses in observations.items():
        result = {"item": {"Region": region.replace("_", "-")}}
        if statuses is not None:
            result["health_check_observations"] = [{"status_report": {"status": s}} for s in statuses]
        results.append(result)
    return {"results": results}


def verdict(endpoints=None, answers_=None, wildcard_answers=None, records=None, health_=None, **settings):
    endpoints = ENDPOINTS if endpoints is None else endpoints
    probed = [e["region"] for e in endpoints if e["probe_ip"]]
    settings = {
        "vpn_fqdn": VPN,
        "zone_fqdn": ZONE,
        "zone_id": "Z1",
        "name_prefix": VPN,
        "random_name": RANDOM,
    } | settings
    return verify_verdict(
        endpoints,
        answers(*(value(r) + "." for r in probed)) if answers_ is None else answers_,
        answers(*[VPN + "."] * len(probed)) if wildcard_answers is None else wildcard_answers,
        record_sets(*REGIONS) if records is None else records,
        health(us_east_1=["Success: HTTP Status Code 200"] * 8) if health_ is None else health_,
        **settings,
    )


def rows(result):
    return {row["region"]: row for row in result["rows"]}


# verify_expectations


def test_a_probe_expects_its_own_regions_endpoint():
    assert verify_expectations(ENDPOINTS) == [{"client_ip": PROBES[r], "equals": [value(r)]} for r in REGIONS]


def test_a_drained_regions_probe_expects_any_other_region_that_is_not_drained():
    assert verify_expectations(ENDPOINTS, ["eu-west-1"]) == [
        {"client_ip": PROBES["us-east-1"], "equals": [value("us-east-1")]},
        {"client_ip": PROBES["us-west-2"], "equals": [value("us-west-2")]},
        {"client_ip": PROBES["eu-west-1"], "equals": [value("us-east-1"), value("us-west-2")]},
    ]
    drained_two = verify_expectations(ENDPOINTS, ["eu-west-1", "us-west-2"])
    assert drained_two[1:] == [
        {"client_ip": PROBES["us-west-2"], "equals": [value("us-east-1")]},
        {"client_ip": PROBES["eu-west-1"], "equals": [value("us-east-1")]},
    ]


def test_a_drained_region_without_an_endpoint_still_expects_another_region():
    endpoints = [endpoint("us-east-1"), endpoint("eu-west-1", present=False)]
    assert verify_expectations(endpoints, ["eu-west-1"])[1] == {
        "client_ip": PROBES["eu-west-1"],
        "equals": [value("us-east-1")],
    }


def test_a_probe_nothing_can_answer_is_not_waited_for():
    missing = [endpoint("us-east-1"), endpoint("us-west-2", present=False)]
    assert verify_expectations(missing) == [{"client_ip": PROBES["us-east-1"], "equals": [value("us-east-1")]}]
    # Every other Region drained or without an endpoint: a drained Region's probe has nobody to expect.
    assert verify_expectations(missing, ["us-east-1"]) == []


def test_a_region_without_a_probe_is_not_asked():
    endpoints = [endpoint("us-east-1", probe=False), endpoint("eu-west-1")]
    assert verify_expectations(endpoints) == [{"client_ip": PROBES["eu-west-1"], "equals": [value("eu-west-1")]}]
    assert verify_expectations([]) == []


@pytest.mark.parametrize("bad", [None, 3, [{"id": "cvpn-endpoint-1"}], ["us-east-1"]])
def test_expectations_of_malformed_endpoints_are_an_error(bad):
    with pytest.raises(AnsibleFilterError, match="verify_expectations: "):
        verify_expectations(bad)


# verify_verdict


def test_every_region_reaching_its_own_endpoint_passes():
    result = verdict()
    assert result["problems"] == []
    assert all(row["ok"] for row in result["rows"])
    assert rows(result)["us-east-1"] == {
        "region": "us-east-1",
        "endpoint": "cvpn-endpoint-us-east-1",
        "status": "available",
        "dns_name": "*.cvpn-endpoint-us-east-1.prod.clientvpn.us-east-1.amazonaws.com",
        "record": "yes",
        "checkers": "8/8",
        "drained": False,
        "probe_ip": "192.0.2.10",
        "answer": value("us-east-1"),
        "reaches": "us-east-1",
        "wildcard": "ok",
        "ok": True,
    }


def test_the_table_is_a_header_and_a_fixed_width_line_per_region():
    result = verdict(
        answers_=answers(value("us-east-1"), value("us-west-2"), value("us-east-1")),
        health_=health(us_east_1=["Success"] * 8, eu_west_1=["Success"] * 7 + ["Failure"]),
        drained_regions=["eu-west-1"],
    )
    assert result["table"] == [
        "Region          Endpoint                         Status            Checkers   Probe            Reaches"
        "         Wildcard OK",
        "us-east-1       cvpn-endpoint-us-east-1          available         8/8        192.0.2.10       us-east-1"
        "       ok       ok",
        "us-west-2       cvpn-endpoint-us-west-2          available         -          198.51.100.10    us-west-2"
        "       ok       ok",
        "eu-west-1       cvpn-endpoint-eu-west-1          available         7/8*       203.0.113.10     us-east-1"
        "       ok       ok",
    ]


def test_a_failing_region_is_fail_in_the_table():
    result = verdict(answers_=answers(value("us-east-1"), value("us-east-1"), value("eu-west-1"), met=[1, 0, 1]))
    assert result["table"][2].split() == [
        "us-west-2",
        "cvpn-endpoint-us-west-2",
        "available",
        "-",
        "198.51.100.10",
        "us-east-1",
        "ok",
        "FAIL",
    ]
    assert [row["ok"] for row in result["rows"]] == [True, False, True]


def test_route53s_expected_met_decides_not_the_name_it_answered():
    # The name is the Region's own, but route53_dns_answer_info says the condition did not hold: it fails.
    assert not rows(verdict(answers_=answers(*(value(r) for r in REGIONS), met=[True, True, False])))["eu-west-1"]["ok"]
    # Without a condition (no expected_met) an answer is not taken as met.
    unconditioned = {"answers": [{"record_data": [value(r)]} for r in REGIONS]}
    assert len(verdict(answers_=unconditioned)["problems"]) == 3


def test_a_wrong_answer_says_what_the_client_got_and_what_it_expected():
    result = verdict(answers_=answers(value("us-east-1"), value("us-east-1"), value("eu-west-1"), met=[1, 0, 1]))
    assert result["problems"] == [
        f"us-west-2: a client at 198.51.100.10 gets {value('us-east-1')}, expected {value('us-west-2')}"
    ]
    row = rows(result)["us-west-2"]
    assert (row["answer"], row["reaches"], row["ok"]) == (value("us-east-1"), "us-east-1", False)


def test_a_wrong_answer_after_waiting_says_for_how_long():
    wait = {"met": False, "elapsed": 90.5, "timeout": 90, "unmet": [PROBES["eu-west-1"]]}
    result = verdict(answers_=answers(value("us-east-1"), value("us-west-2"), None, met=[1, 1, 0], wait=wait))
    assert result["problems"] == [
        f"eu-west-1: a client at 203.0.113.10 gets no answer, expected {value('eu-west-1')} (still after 90.5 s of 90 s)"
    ]
    assert (rows(result)["eu-west-1"]["answer"], rows(result)["eu-west-1"]["reaches"]) == ("(none)", "?")


def test_a_drained_regions_probe_passes_on_another_regions_endpoint():
    result = verdict(
        answers_=answers(value("us-east-1"), value("us-west-2"), value("us-west-2")), drained_regions=["eu-west-1"]
    )
    assert result["problems"] == []
    row = rows(result)["eu-west-1"]
    assert (row["drained"], row["reaches"], row["ok"]) == (True, "us-west-2", True)


def test_a_drained_regions_wrong_answer_lists_every_region_it_could_reach():
    result = verdict(
        answers_=answers(value("us-east-1"), value("us-west-2"), value("eu-west-1"), met=[1, 1, 0]),
        drained_regions=["eu-west-1"],
    )
    assert result["problems"] == [
        f"eu-west-1: a client at 203.0.113.10 gets {value('eu-west-1')},"
        f" expected {value('us-east-1')} or {value('us-west-2')}"
    ]


def test_a_drained_region_with_nobody_left_expects_another_healthy_region():
    endpoints = [endpoint("us-east-1"), endpoint("eu-west-1")]
    result = verdict(
        endpoints,
        answers_=answers(value("us-east-1"), value("eu-west-1"), met=[0, 0]),
        drained_regions=["us-east-1", "eu-west-1"],
    )
    assert result["problems"] == [
        f"us-east-1: a client at 192.0.2.10 gets {value('us-east-1')}, expected another healthy Region",
        f"eu-west-1: a client at 203.0.113.10 gets {value('eu-west-1')}, expected another healthy Region",
    ]


def test_an_answer_is_compared_in_lower_case_without_the_final_dot():
    shouted = answers(*(value(r).upper() + "." for r in REGIONS), met=[1, 1, 1])
    result = verdict(answers_=shouted, wildcard_answers=answers(*[VPN.upper() + "."] * len(REGIONS)))
    assert [row["reaches"] for row in result["rows"]] == REGIONS
    assert [row["wildcard"] for row in result["rows"]] == ["ok"] * 3
    assert result["problems"] == []


def test_an_answer_of_no_endpoint_reaches_an_unknown_region():
    result = verdict(answers_=answers(value("us-east-1"), "elsewhere.example.net", value("eu-west-1"), met=[1, 0, 1]))
    assert rows(result)["us-west-2"]["reaches"] == "?"


def test_a_region_with_no_answer_fails():
    # route53_dns_answer_info answered fewer probes than asked: the last Region has no answer at all.
    result = verdict(answers_=answers(value("us-east-1"), value("us-west-2")))
    row = rows(result)["eu-west-1"]
    assert (row["answer"], row["reaches"], row["ok"]) == ("(none)", "?", False)
    assert result["problems"] == [f"eu-west-1: a client at 203.0.113.10 gets no answer, expected {value('eu-west-1')}"]


def test_answers_follow_the_probes_not_the_regions():
    # us-west-2 has no probe_ip: the second answer is eu-west-1's.
    endpoints = [endpoint("us-east-1"), endpoint("us-west-2", probe=False), endpoint("eu-west-1")]
    result = verdict(
        endpoints,
        answers_=answers(value("us-east-1"), value("eu-west-1")),
        wildcard_answers=answers(VPN, VPN),
    )
    assert result["problems"] == []
    row = rows(result)["us-west-2"]
    assert (row["probe_ip"], row["answer"], row["reaches"], row["wildcard"], row["ok"]) == ("-", "-", "-", "-", True)


def test_an_endpoint_without_a_latency_record_fails():
    result = verdict(records=record_sets("us-east-1", "eu-west-1"))
    assert result["problems"] == ["us-west-2: no latency record for endpoint cvpn-endpoint-us-west-2"]
    assert (rows(result)["us-west-2"]["record"], rows(result)["us-west-2"]["ok"]) == ("no", False)
    assert rows(result)["us-east-1"]["record"] == "yes"


def test_only_the_vpn_names_records_with_a_region_are_latency_records():
    others = {
        "ResourceRecordSets": [
            {"Name": f"other.{ZONE}.", "Region": "us-west-2"},
            {"Name": f"{VPN}.", "ResourceRecords": [{"Value": value("us-west-2")}]},
        ]
        + record_sets("us-east-1", "eu-west-1")["ResourceRecordSets"]
    }
    assert verdict(records=others)["problems"] == ["us-west-2: no latency record for endpoint cvpn-endpoint-us-west-2"]


def test_a_region_without_an_endpoint_fails_naming_the_endpoint_it_looked_for():
    endpoints = [endpoint("us-east-1"), endpoint("us-west-2", present=False), endpoint("eu-west-1")]
    result = verdict(
        endpoints,
        answers_=answers(value("us-east-1"), value("us-east-1"), value("eu-west-1"), met=[1, 0, 1]),
        records=record_sets("us-east-1", "eu-west-1"),
    )
    # Only that problem: no latency record is expected of a missing endpoint, and its answer is not judged.
    assert result["problems"] == [f"us-west-2: no endpoint named {VPN}-us-west-2"]
    row = rows(result)["us-west-2"]
    assert (row["endpoint"], row["status"], row["dns_name"], row["record"], row["ok"]) == (
        "-",
        "missing",
        "-",
        "no",
        False,
    )


def test_a_drained_region_without_an_endpoint_is_judged_by_its_answer():
    endpoints = [endpoint("us-east-1"), endpoint("eu-west-1", present=False)]
    result = verdict(
        endpoints,
        answers_=answers(value("us-east-1"), value("us-east-1")),
        records=record_sets("us-east-1"),
        drained_regions=["eu-west-1"],
    )
    assert result["problems"] == []
    assert rows(result)["eu-west-1"]["reaches"] == "us-east-1"


def test_a_random_name_must_answer_the_vpn_name():
    result = verdict(wildcard_answers=answers(VPN, value("us-west-2"), None))
    assert [row["wildcard"] for row in result["rows"]] == ["ok", value("us-west-2"), "none"]
    assert result["problems"] == [
        f"us-west-2: {RANDOM} answers {value('us-west-2')} for 198.51.100.10, expected {VPN} (the wildcard record)",
        f"eu-west-1: {RANDOM} answers nothing for 203.0.113.10, expected {VPN} (the wildcard record)",
    ]
    assert [row["ok"] for row in result["rows"]] == [True, False, False]


@pytest.mark.parametrize("off", [False, "false", "no"])
def test_without_the_wildcard_check_a_random_name_is_not_judged(off):
    result = verdict(wildcard_answers={"skipped": True}, wildcard=off)
    assert result["problems"] == []
    assert [row["wildcard"] for row in result["rows"]] == ["-"] * 3


def test_every_problem_of_a_region_is_listed_in_order():
    result = verdict(
        answers_=answers(value("us-east-1"), value("us-west-2"), None, met=[1, 1, 0]),
        wildcard_answers=answers(VPN, VPN, None),
        records=record_sets("us-east-1", "us-west-2"),
    )
    assert [problem.split(": ", 1)[1][:12] for problem in result["problems"]] == [
        "no latency r",
        "a client at ",
        f"{RANDOM[:12]}",
    ]


def test_the_checkers_are_shown_but_do_not_decide():
    result = verdict(
        health_=health(
            us_east_1=["Success: HTTP Status Code 200, OK", "Failure: Connection timed out"],
            us_west_2=None,
            eu_west_1=["Failure: Connection refused", "NotSuccess"],
        )
    )
    assert [row["checkers"] for row in result["rows"]] == ["1/2", "?", "0/2"]
    assert result["problems"] == []
    assert [row["checkers"] for row in verdict(health_={"results": []})["rows"]] == ["-"] * 3


def test_without_a_hosted_zone_every_probe_fails_and_the_zone_is_named():
    skipped = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    result = verdict(answers_=skipped, wildcard_answers=skipped, records=skipped, health_=health(), zone_id="")
    assert result["problems"][0] == f"there is no public hosted zone {ZONE}"
    assert result["problems"][1:4] == [
        "us-east-1: no latency record for endpoint cvpn-endpoint-us-east-1",
        f"us-east-1: a client at 192.0.2.10 gets no answer, expected {value('us-east-1')}",
        f"us-east-1: {RANDOM} answers nothing for 192.0.2.10, expected {VPN} (the wildcard record)",
    ]
    assert len(result["problems"]) == 1 + 3 * 3
    assert not any(row["ok"] for row in result["rows"])


def test_reads_that_never_ran_count_as_no_answer():
    # As a check-mode or failed run might leave them: absent results.
    result = verify_verdict(
        ENDPOINTS,
        None,
        None,
        None,
        None,
        vpn_fqdn=VPN,
        zone_fqdn=ZONE,
        zone_id="Z1",
        name_prefix=VPN,
        wildcard=False,
    )
    assert [row["record"] for row in result["rows"]] == ["no"] * 3
    assert [row["answer"] for row in result["rows"]] == ["(none)"] * 3
    assert len(result["problems"]) == 6


def test_no_endpoints_no_rows():
    assert verdict([], answers_={"answers": []}, wildcard_answers={"answers": []}) == {
        "rows": [],
        "problems": [],
        "table": [verdict()["table"][0]],
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"endpoints": [{"id": "cvpn-endpoint-1"}]},
        {"endpoints": 7},
        {"answers": ["not", "a", "result"]},
        {"record_sets": {"ResourceRecordSets": ["not a record"]}},
        {"health": {"results": [{"health_check_observations": []}]}},
    ],
)
def test_malformed_input_is_an_error_naming_the_filter(bad):
    arguments = {"endpoints": ENDPOINTS, "answers": answers(*(value(r) for r in REGIONS))} | bad
    with pytest.raises(AnsibleFilterError, match="verify_verdict: "):
        verify_verdict(**arguments, vpn_fqdn=VPN, zone_fqdn=ZONE, zone_id="Z1", name_prefix=VPN, wildcard=False)


def test_the_filters_are_registered():
    assert FilterModule().filters() == {"verify_expectations": verify_expectations, "verify_verdict": verify_verdict}
