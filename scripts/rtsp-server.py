#!/usr/bin/python3
"""RTSP test camera: serves video files on RTSP mounts, looped, with optional auth.

Run with Debian's own /usr/bin/python3 (it has `gi`; a pyenv python on PATH usually does not).
Debian packages: python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav.

  /usr/bin/python3 scripts/rtsp-server.py --port 0 --mount /cam1=a.mp4 --mount /cam2=b.mp4 \
      [--user U --password P [--auth digest|basic]]

Prints `READY port=<port>` on stdout once it accepts connections (port 0 picks a free port).
Tests play outages on it: SIGTERM/SIGKILL (server gone, connections reset) and SIGSTOP (hang: TCP stays
open, nothing is sent).

Why it is built this way:
- One NON-shared media factory per mount: every client gets its own pipeline. Shared media crashed when
  several clients connected at the same moment.
- No re-encoding (demux -> parse -> payload), so eight clients cost almost no CPU.
- Looping uses segment seeks (SEGMENT_DONE -> seek again without flushing), so RTP timestamps keep
  increasing across the loop. A flushing seek back to 0 would make timestamps jump backwards, and ffmpeg's
  fps filter would then drop a whole clip length of frames. Client seek events are dropped so a PLAY
  with a Range header cannot cancel the loop.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstPbutils", "1.0")
from gi.repository import GLib, Gst, GstPbutils, GstRtsp, GstRtspServer  # noqa: E402

PARSERS = {"video/x-h264": ("h264parse", "rtph264pay"), "video/x-h265": ("h265parse", "rtph265pay")}
DISCOVER_TIMEOUT_NS = 5 * Gst.SECOND


def video_caps_name(path):
    """Codec of the file's first video stream (decides the parser and payloader)."""
    info = GstPbutils.Discoverer.new(DISCOVER_TIMEOUT_NS).discover_uri(Gst.filename_to_uri(path))
    for stream in info.get_video_streams():
        return stream.get_caps().get_structure(0).get_name()
    raise SystemExit(f"no video stream in {path}")


def segment_seek(element, flush):
    flags = Gst.SeekFlags.SEGMENT | Gst.SeekFlags.ACCURATE
    if flush:
        flags |= Gst.SeekFlags.FLUSH
    return element.seek(1.0, Gst.Format.TIME, flags, Gst.SeekType.SET, 0, Gst.SeekType.NONE, -1)


class LoopingFactory(GstRtspServer.RTSPMediaFactory):
    def __init__(self, path, caps_name):
        super().__init__()
        self.path = path
        self.parser, self.payloader = PARSERS[caps_name]
        self.set_shared(False)

    def do_create_element(self, url):
        bin_ = Gst.parse_launch(
            f'( filesrc location="{self.path}" ! qtdemux name=demux demux.video_0 ! queue '
            f"! {self.parser} config-interval=-1 ! {self.payloader} name=pay0 pt=96 )"
        )
        demux = bin_.get_by_name("demux")
        pay = bin_.get_by_name("pay0")
        state = {"seeked": False}

        def on_pad_added(_demux, pad):
            if pad.get_name().startswith("video"):
                pad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, on_data)

        def on_data(_pad, info):
            if info.type & Gst.PadProbeType.EVENT_DOWNSTREAM:
                event = info.get_event()
                if event.type == Gst.EventType.SEGMENT_DONE:
                    # Non-flushing: the next pass's running time continues where this one ended.
                    demux.call_async(lambda el: segment_seek(el, False))
                return Gst.PadProbeReturn.OK
            if not state["seeked"]:
                # Drop data until the initial segment seek is in place, else the first pass ends in EOS.
                state["seeked"] = True
                demux.call_async(lambda el: segment_seek(el, True))
                return Gst.PadProbeReturn.DROP
            return Gst.PadProbeReturn.OK

        demux.connect("pad-added", on_pad_added)
        pay.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_UPSTREAM, refuse_client_seek
        )
        return bin_


def refuse_client_seek(_pad, info):
    if info.type & Gst.PadProbeType.EVENT_UPSTREAM and info.get_event().type == Gst.EventType.SEEK:
        return Gst.PadProbeReturn.DROP
    return Gst.PadProbeReturn.OK


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--mount", action="append", required=True, metavar="/PATH=FILE")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--auth", choices=["digest", "basic"], default="digest")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    codecs = {}
    for spec in args.mount:
        mount, _, path = spec.partition("=")
        if not mount.startswith("/") or not path:
            ap.error(f"--mount expects /PATH=FILE, got {spec!r}")
        if path not in codecs:
            codecs[path] = video_caps_name(path)
        factory = LoopingFactory(path, codecs[path])
        if args.user:
            factory.add_role_from_structure(
                Gst.Structure.from_string(
                    "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
                )[0]
            )
        mounts.add_factory(mount, factory)

    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if args.auth == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password or "", token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)

    if server.attach(None) == 0:
        print(f"cannot listen on {args.address}:{args.port}", file=sys.stderr)
        return 2

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"READY port={server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
