"""The draw page in AppTest: models, URL, uploads (the canvas is driven in the browser tests)."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.training import network as nets
from core.training.models import TrainedModel
from tests.app.helpers import open_app_page, texts

PAGE = "pages/draw.py"


def open_draw(**query):
    return open_app_page(PAGE, timeout=60, **query)


def digit_png(digit: str, size: int = 200, fmt: str = "PNG") -> bytes:
    image = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(image)
    if digit == "1":
        pen.line([(size // 2, size // 6), (size // 2, size * 5 // 6)], fill=0, width=size // 12)
    else:
        pen.ellipse(
            [size // 4, size // 8, size * 3 // 4, size * 7 // 8], outline=0, width=size // 12
        )
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def use_upload(at):
    at.segmented_control(key="dr.source").set_value("Upload a photo").run()


def test_empty_canvas_invites_to_draw():
    at = open_draw()
    assert at.multiselect(key="dr.models").value == ["default"]
    assert "draw a digit" in texts(at.info).lower()
    assert not at.subheader


@pytest.mark.parametrize(("digit", "fmt"), [("1", "PNG"), ("0", "PNG"), ("1", "JPEG")])
def test_uploaded_digit_is_recognised(digit, fmt):
    at = open_draw()
    use_upload(at)
    at.file_uploader(key="dr.upload").upload(f"d.{fmt.lower()}", digit_png(digit, fmt=fmt)).run()
    assert not at.exception
    heading = at.subheader[0].value
    assert heading.startswith(f"Default model: it says {digit} ")
    caption = next(c.value for c in at.caption if c.value.startswith("Stable softmax in"))
    shares = [
        float(part.split(": ")[1].rstrip("%"))
        for part in caption.split("in float32, T = 1: ")[1].split(" · ")
    ]
    assert len(shares) == 10
    assert sum(shares) == pytest.approx(100, abs=0.6)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"definitely not an image", "not a picture"),
        (digit_png("1")[:200], ""),
    ],
)
def test_bad_uploads_are_explained(content, fragment):
    at = open_draw()
    use_upload(at)
    at.file_uploader(key="dr.upload").upload("x.png", content).run()
    assert not at.exception
    assert texts(at.error)
    assert fragment in texts(at.error)


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("homework.txt", "a seven")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("notes.png", b"my digit is a seven\n", "That file is text, not a picture"),
        (
            "scan.jpg",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            "That file is a PDF document, not a picture",
        ),
        ("cut.png", digit_png("1")[:40], "That PNG picture is cut off or damaged"),
        ("cut-late.png", digit_png("1")[:-30], "That picture is cut off"),
        ("digits.jpeg", zip_file(), "That file is a ZIP archive"),
    ],
)
def test_a_file_that_is_no_picture_is_explained_in_the_student_s_words(name, content, said):
    # Issue 10, item 23: such an upload said "The canvas is empty" and named Pillow.
    # (Streamlit refuses names other than .png, .jpg and .jpeg before the page sees them:
    # these files are misnamed, as a renamed PDF or a phone's download can be.)
    at = open_draw()
    use_upload(at)
    at.file_uploader(key="dr.upload").upload(name, content).run()
    assert not at.exception
    assert texts(at.error).startswith(said)
    shown = texts(at.error) + " " + texts(at.info)
    for word in ("Pillow", "PIL", "NumPy", "truncated", "canvas"):
        assert word.lower() not in shown.lower()
    assert texts(at.info).startswith("Nothing to read yet: the message under the upload box")
    assert not at.subheader


def test_the_upload_box_waits_for_a_photo_not_a_drawing():
    at = open_draw()
    use_upload(at)
    assert texts(at.info).startswith("No photo yet: upload a PNG or JPEG")
    assert "canvas" not in texts(at.info)


def test_blank_image_is_explained():
    at = open_draw()
    use_upload(at)
    buffer = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buffer, format="PNG")
    at.file_uploader(key="dr.upload").upload("blank.png", buffer.getvalue()).run()
    assert "blank" in texts(at.error).lower()


def draw_with_a_trained_model_chosen():
    at = open_draw()
    spec = nets.NetworkSpec(64)
    trained = TrainedModel(
        "C · mine", "C", spec, nets.init_weights(spec, 0), "uci-digits", "max", 16
    )
    at.session_state["models"] = {"C · mine": trained}
    at.run()
    at.multiselect(key="dr.models").set_value(["default", "C · mine"]).run()
    return at


def test_session_models_side_by_side_and_the_url():
    at = draw_with_a_trained_model_chosen()
    use_upload(at)
    at.file_uploader(key="dr.upload").upload("one.png", digit_png("1")).run()
    headings = [h.value for h in at.subheader]
    assert headings[0].startswith("Default model: it says 1")
    assert headings[1].startswith("C · mine: it says")


def test_chosen_models_survive_a_visit_to_another_page():
    at = draw_with_a_trained_model_chosen()
    at.switch_page("pages/softmax.py")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert at.multiselect(key="dr.models").value == ["default", "C · mine"]


def test_unknown_model_in_the_url_falls_back():
    at = open_draw(model="nonexistent")
    assert "not available here" in texts(at.warning)
    assert at.multiselect(key="dr.models").value == ["default"]


def test_loss_for_the_digit_meant():
    at = open_draw()
    use_upload(at)
    at.file_uploader(key="dr.upload").upload("one.png", digit_png("1")).run()
    at.selectbox(key="dr.meant").select(7).run()
    assert not at.metric  # built only when asked for
    at.toggle(key="dr.loss.default").set_value(True).run()
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["Naive −log(p_y)", "Keras on probabilities", "From logits", "Exact"]
    values = {m.label: m.value for m in at.metric}
    assert float(values["From logits"]) > 0
    assert np.isfinite(float(values["From logits"]))


def test_weights_upload_on_the_draw_page():
    import json

    from core.training.models import weights_to_npz

    at = open_draw()
    wide_spec = nets.NetworkSpec(64, (30,))
    wide = TrainedModel(
        "wide", "C", wide_spec, nets.init_weights(wide_spec, 0), "uci-digits", "max", 16
    )
    with np.load(io.BytesIO(weights_to_npz(wide))) as arrays:
        parts = {key: arrays[key] for key in arrays.files}
    meta = json.loads(str(parts["meta"]))
    meta["hidden"] = [25]  # describes a 25-unit layer, holds 30-unit weights
    buffer = io.BytesIO()
    np.savez(buffer, **{**parts, "meta": np.array(json.dumps(meta))})
    at.file_uploader(key="dr.weights_file").upload("mismatch.npz", buffer.getvalue()).run()
    assert "expected kernel (64, 25)" in texts(at.error)
    at.file_uploader(key="dr.weights_file").upload("wide.npz", weights_to_npz(wide)).run()
    assert "uploaded · wide" in at.multiselect(key="dr.models").options
