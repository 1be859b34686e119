"""The transparency log, pure: Merkle maths, proofs, signed notes and checkpoints, the witness state machine,
and passport verification. An offline verifier needs only ledger.core and ledger.tlog.
"""
