use super::*;

fn err_csv(s: &str) -> String {
    parse_csv(s).unwrap_err().to_string()
}

fn err_jsonl(s: &str) -> String {
    parse_jsonl(s).unwrap_err().to_string()
}

#[test]
fn csv_rows_read_counts_surveys_and_comments() {
    let csv = "id,text,has_link,views_before,likes_before,views_after,engagement_after,\
               credibility_before,credibility_after,credibility_sd,survey_n,comments\n\
               n1,用了三周，保湿不错,1,1000,50,2000,0.02,5.1,4.8,1.2,60,\"恰饭了\n求链接\"\n";
    let rows = parse_csv(csv).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r.line, r.id.as_deref(), r.has_link, r.labelled),
        (2, Some("n1"), true, false)
    );
    let (b, a) = r.engagement.unwrap();
    assert_eq!((b.events, b.views), (50.0, 1000.0));
    assert!((a.events - 40.0).abs() < 1e-9);
    assert_eq!(r.survey, Some((5.1, 4.8, 1.2, 60.0)));
    assert_eq!(r.comments, ["恰饭了", "求链接"]);
}

#[test]
fn jsonl_rows_read_typed_values() {
    let rows = parse_jsonl(
        "{\"text\":\"好用\",\"labelled\":true,\"comments\":[\"软广\"],\"ad_probability\":0.4}\n\n",
    )
    .unwrap();
    assert!(rows[0].labelled && !rows[0].has_link);
    assert_eq!(rows[0].ad_probability, Some(0.4));
    assert_eq!(rows[0].comments, ["软广"]);
}

#[test]
fn unknown_columns_are_rejected_with_the_line() {
    let e = err_csv("text,likes\n好用,3\n");
    assert!(
        e.starts_with("line 1:") && e.contains("unknown column `likes`"),
        "{e}"
    );
    let e = err_jsonl("{\"text\":\"a\"}\n{\"text\":\"b\",\"txt\":null}\n");
    assert!(e.starts_with("line 2:") && e.contains("`txt`"), "{e}");
}

#[test]
fn impossible_values_are_rejected_with_the_line() {
    let head = "text,views_before,likes_before,engagement_before,views_after,engagement_after\n";
    let e = err_csv(&format!("{head}a,100,5,,100,0.1\nb,100,,-0.1,100,0.1\n"));
    assert!(
        e.starts_with("line 3:") && e.contains("rate in [0, 1]"),
        "{e}"
    );
    let e = err_csv(&format!("{head}a,100,500,,100,0.1\n"));
    assert!(
        e.starts_with("line 2:") && e.contains("more than `views_before`"),
        "{e}"
    );
    let e = err_csv(&format!("{head}a,100,,1.5,100,0.1\n"));
    assert!(e.contains("rate in [0, 1]"), "{e}");
    let e = err_csv(&format!("{head}a,100,-3,,100,0.1\n"));
    assert!(e.contains("count"), "{e}");
    let e = err_csv(&format!("{head}a,100,5,0.05,100,0.1\n"));
    assert!(e.contains("not both"), "{e}");
    let e = err_csv(&format!("{head}a,100,5,,,\n"));
    assert!(e.contains("both a before and an after"), "{e}");
}

#[test]
fn missing_text_and_half_surveys_are_rejected() {
    let e = err_jsonl("{\"text\":\"ok\"}\n{\"id\":\"x\"}\n");
    assert!(e.starts_with("line 2:") && e.contains("`text`"), "{e}");
    let e = err_csv("text,has_link\n   ,1\n");
    assert!(e.starts_with("line 2:") && e.contains("`text`"), "{e}");
    let e = err_jsonl("{\"text\":\"a\",\"credibility_before\":5}\n");
    assert!(e.contains("a survey needs all of"), "{e}");
    let e = err_jsonl(
        "{\"text\":\"a\",\"credibility_before\":5,\"credibility_after\":4,\"credibility_sd\":0,\"survey_n\":30}\n",
    );
    assert!(e.contains("`credibility_sd` must be > 0"), "{e}");
    let e = err_jsonl("{\"text\":\"a\",\"has_link\":\"maybe\"}\n");
    assert!(e.contains("true or false"), "{e}");
    let e = err_jsonl("[1,2]\nnot json\n");
    assert!(e.starts_with("line 1:"), "{e}");
    let e = err_jsonl("{\"text\":\"a\",\"comments\":\"恰饭\"}\n");
    assert!(e.contains("list of strings"), "{e}");
}

#[test]
fn the_extension_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.txt");
    std::fs::write(&p, "text\na\n").unwrap();
    assert!(read(&p).unwrap_err().to_string().contains(".csv or .jsonl"));
    let p = dir.path().join("o.csv");
    std::fs::write(&p, "\u{feff}text\na\n").unwrap();
    assert_eq!(read(&p).unwrap()[0].text, "a");
    assert!(read(&dir.path().join("none.csv")).is_err());
}

#[test]
fn purchase_surveys_and_found_out_notes_are_read() {
    let rows = parse_jsonl(
        "{\"text\":\"a\",\"has_link\":true,\"purchase_intent_before\":4.0,\"purchase_intent_after\":3.7,\"purchase_intent_sd\":1.5,\"survey_n\":50}\n\
         {\"text\":\"b\",\"commercial\":\"是\",\"found_out\":1,\"views_before\":1000,\"engagement_before\":0.05,\"views_after\":900,\"engagement_after\":0.05,\"views_exposed\":800,\"likes_exposed\":12}\n\
         {\"text\":\"c\",\"commercial\":true}\n",
    )
    .unwrap();
    assert_eq!(rows[0].purchase_survey, Some((4.0, 3.7, 1.5, 50.0)));
    assert_eq!(rows[0].survey, None);
    assert!(rows[1].commercial && rows[1].found_out);
    assert_eq!(
        rows[1].exposed,
        Some(Period {
            events: 12.0,
            views: 800.0
        })
    );
    assert!(rows[2].commercial && !rows[2].found_out && rows[2].exposed.is_none());
}

#[test]
fn found_out_and_purchase_columns_that_cannot_be_used_are_rejected() {
    let e = err_jsonl("{\"text\":\"a\"}\n{\"text\":\"b\",\"found_out\":true}\n");
    assert!(
        e.starts_with("line 2:") && e.contains("set `commercial` too"),
        "{e}"
    );
    let e = err_jsonl("{\"text\":\"a\",\"commercial\":1,\"found_out\":1,\"labelled\":1}\n");
    assert!(e.contains("without a 广告 label"), "{e}");
    // Exposed engagement needs found_out and a before period to compare with.
    let e = err_csv("text,commercial,views_exposed,engagement_exposed\na,1,100,0.1\n");
    assert!(e.starts_with("line 2:") && e.contains("`_exposed`"), "{e}");
    let e = err_csv(
        "text,commercial,found_out,views_before,engagement_before,views_after,engagement_after,\
         views_exposed,engagement_exposed\na,1,1,100,0.1,100,0.1,100,1.2\n",
    );
    assert!(e.contains("rate in [0, 1]"), "{e}");
    let e = err_jsonl("{\"text\":\"a\",\"purchase_intent_before\":4,\"survey_n\":30}\n");
    assert!(e.contains("purchase_intent_after"), "{e}");
    let e = err_jsonl(
        "{\"text\":\"a\",\"purchase_intent_before\":4,\"purchase_intent_after\":3,\"purchase_intent_sd\":-1,\"survey_n\":30}\n",
    );
    assert!(e.contains("`purchase_intent_sd` must be > 0"), "{e}");
    let e = err_jsonl("{\"text\":\"a\",\"survey_n\":30}\n");
    assert!(e.contains("without a survey"), "{e}");
    let e = err_jsonl(
        "{\"text\":\"a\",\"purchase_intent_before\":4,\"purchase_intent_after\":3,\"purchase_intent_sd\":1}\n",
    );
    assert!(e.contains("survey_n"), "{e}");
}
