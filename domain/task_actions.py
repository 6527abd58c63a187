"""Which action completes each kind of task: the inbox names it so nobody has to guess."""

from __future__ import annotations

from typing import NamedTuple


class Action(NamedTuple):
    name: str
    label_th: str
    label_en: str


SIGN = Action("sign", "ลงนามคำรับรอง", "Sign the agreement")
REVISE_DRAFT = Action("revise_draft", "แก้ไขร่างคำรับรอง", "Revise the draft")
DECIDE_REVISION = Action("decide_revision", "พิจารณาการปรับค่าเป้าหมาย", "Decide the target revision")
ENTER_RESULT = Action("enter_result", "บันทึกผลการดำเนินงาน", "Enter the result")
UPLOAD_EVIDENCE = Action("upload_evidence", "แนบหลักฐาน", "Upload evidence")
SUBMIT_ROUND = Action("submit_round", "ส่งผลการดำเนินงานรอบนี้", "Submit the round")
APPROVE_RESULT = Action("approve_result", "เห็นชอบผลและหลักฐาน", "Approve the result")
RETURN_RESULT = Action("return_result", "ส่งกลับให้แก้ไข", "Return for correction")
ENDORSE_ROUND = Action("endorse_round", "ให้ความเห็นชอบผลคะแนน", "Endorse the round")
RETURN_ROUND = Action("return_round", "ส่งผลคะแนนกลับ", "Return the round")
ACKNOWLEDGE_ROUND = Action("acknowledge_round", "รับทราบผลคะแนน", "Acknowledge the score")
VERIFY_EVIDENCE = Action("verify_evidence", "ตรวจสอบคลังหลักฐาน", "Check the evidence vault")

COMPLETES: dict[str, tuple[Action, ...]] = {
    "sign": (SIGN,),
    "revise_draft": (REVISE_DRAFT,),
    "decide_revision": (DECIDE_REVISION,),
    "enter_result": (ENTER_RESULT,),
    "submit_evidence": (UPLOAD_EVIDENCE,),
    "submit_round": (SUBMIT_ROUND,),
    "review": (APPROVE_RESULT, RETURN_RESULT),
    "resubmit": (ENTER_RESULT, UPLOAD_EVIDENCE),
    "endorse": (ENDORSE_ROUND, RETURN_ROUND),
    "acknowledge": (ACKNOWLEDGE_ROUND,),
    "evidence_alert": (VERIFY_EVIDENCE,),
}


# Group tasks (offered to several candidates or to a role at a unit) may be claimed by one.
def claimable(assignee_user: str | None) -> bool:
    return assignee_user is None
